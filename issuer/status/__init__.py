"""Status: Bitstring Status List credentials, index permutation, status reasons and messages."""
