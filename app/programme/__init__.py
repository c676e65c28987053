"""The programme of an event and what follows its sessions: agendas, speakers, per-session meeting links,
materials, follow-up messages, event pictures and the series page."""
