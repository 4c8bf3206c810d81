ALTER TABLE episodes DROP COLUMN referred_by_center;
