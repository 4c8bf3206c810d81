## citizen
