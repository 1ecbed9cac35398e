"""HTML views of the desk (agent workspace) and the customer portal; thin: parse, fetch, call, render."""
