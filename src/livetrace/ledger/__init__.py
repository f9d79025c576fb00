"""The verifiable log: RFC 9162 Merkle trees and the C2SP tlog formats, pure and framework-free."""
