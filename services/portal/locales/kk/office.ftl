## Moderation, the coordinator's dashboard and centre staff
