"""livetrace: verifiable traceability for live-stream e-commerce."""

__version__ = "0.1.0"
