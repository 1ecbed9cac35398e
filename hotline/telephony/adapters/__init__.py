"""Adapters turn what each PBX sends into ``CallEventData`` and verify that the PBX sent it.

``generic`` (our HMAC-signed webhook), ``zadarma`` and ``mango`` parse HTTP requests; ``ami`` reads Asterisk's
Manager Interface stream (the listener in ``hotline.telephony.ami_listener`` drives it).
"""
