"""GS1 identifiers: keys and check digits, Application Identifiers, Digital Link and EPC."""
