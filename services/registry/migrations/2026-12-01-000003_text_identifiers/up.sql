-- IIN and BIN as TEXT: the driver binds text, and `char(12)::text = $1` cannot use the unique
-- index, so every lookup by IIN or BIN scanned the table.
ALTER TABLE persons ALTER COLUMN iin TYPE TEXT,
    ADD CONSTRAINT persons_iin_digits CHECK (iin ~ '^[0-9]{12}$');
ALTER TABLE centers ALTER COLUMN bin TYPE TEXT,
    ADD CONSTRAINT centers_bin_digits CHECK (bin ~ '^[0-9]{12}$');
