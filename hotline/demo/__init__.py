"""Demo: a realistic Russian organisation to try Hotline on — «УК Домовой», a management company's
hotline with IT support and a subscriber department.

Imports: every app's services (it sits above them all, like ``hotline.urls``). Publishes: nothing.
"""
