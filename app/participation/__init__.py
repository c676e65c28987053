"""What follows the sessions: feedback surveys, certificates of participation, and the opt-in directory of
participants. Sits above the calendar (certificates read attendance) and below the dashboard."""
