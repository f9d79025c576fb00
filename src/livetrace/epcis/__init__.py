"""EPCIS 2.0 / CBV 2.0: event model, JSON-LD and XML bindings, validation, Event Hash ID."""
