"""Everything that speaks Twilio: webhook signatures, the SMS webhooks, and the REST sender."""
