"""Sessions: their calendar rules, invite tokens and the operations on them."""
