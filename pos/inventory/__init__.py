"""The booth's catalogue: products, their category attributes, and the stock ledger."""
