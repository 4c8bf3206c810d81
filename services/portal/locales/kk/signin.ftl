## signin
