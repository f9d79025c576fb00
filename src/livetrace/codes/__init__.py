"""One code per item: issuance, rendering and NFC verification."""
