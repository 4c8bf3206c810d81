## The dispatcher's board and the driver's day
