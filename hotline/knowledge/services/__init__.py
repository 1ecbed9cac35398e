"""Every write of the knowledge app, one function per use case."""
