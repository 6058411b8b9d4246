"""What other apps may react to, without `messaging` depending on them."""

from django.dispatch import Signal

# Sent once a new message is committed (never for a `client_id` repeat or a rolled-back
# send), with `message` (its `conversation` loaded). Receivers must return quickly: they
# run on the sender's path, so anything slow belongs in a task of their own.
message_sent = Signal()
