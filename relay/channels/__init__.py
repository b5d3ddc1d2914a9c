"""Channel adapters: how messages arrive and leave by each way a resident reaches the centre."""
