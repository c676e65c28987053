"""What one domain announces and others act on, so that no two domains import each other.

Events announce changes (registrations fill seats or end, the calendar sends updates); registrations
announce seats given and withdrawn (the calendar sends the access link and invites, or withdraws them).
Receivers run synchronously inside the sender's transaction, so everything one change causes is written
together or not at all. Receivers are connected in each domain's ``listeners`` module, loaded by create_app().
"""

from blinker import Namespace

_signals = Namespace()

#: sender: the Event being saved (None for a new one); ``data`` (EventData), ``errors`` (dict to add to).
event_validating = _signals.signal("event-validating")
#: sender: the Event after an edit was flushed; ``change`` (EventChange).
event_changed = _signals.signal("event-changed")
#: sender: the Event, now published.
event_published = _signals.signal("event-published")
#: sender: the Event, now cancelled; ``message`` for the participants.
event_cancelled = _signals.signal("event-cancelled")
#: sender: the Registration that got a seat; ``promoted`` (from the waitlist), ``message`` (coordinator's).
seat_confirmed = _signals.signal("seat-confirmed")
#: sender: the Registration that held a seat and no longer does; ``reason`` for the participant.
seat_withdrawn = _signals.signal("seat-withdrawn")
#: sender: a confirmed Registration whose participant changed their sessions; ``added``, ``removed``
#: (lists of EventSession).
sessions_changed = _signals.signal("sessions-changed")
#: sender: the Event whose translation is being saved; ``language``, ``data`` (TranslationData), ``errors``
#: (dict to add to, keyed by form field). A receiver owning texts in ``data`` replaces them with those it keeps.
translation_validating = _signals.signal("translation-validating")
#: sender: the source Event; ``copy`` (the new draft), ``sessions`` (source session id -> copy's session).
event_duplicated = _signals.signal("event-duplicated")
#: sender: a Registration just made by a sign-up (not a repeat of an existing one); ``list_in_directory``
#: (the person asked to be listed in the participant directory).
signed_up = _signals.signal("signed-up")
#: sender: the Registration whose personal data was just deleted (by the participant or the retention purge).
personal_data_deleted = _signals.signal("personal-data-deleted")
