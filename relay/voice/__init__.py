"""The phone line: prompts and TwiML, fetching recordings, voice jobs, spoken replies.

The webhooks that use these live in relay/twilio/voice.py; the call record in transcripts/calls.py.
"""
