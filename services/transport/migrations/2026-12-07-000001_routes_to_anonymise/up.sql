-- The retention job clears the stops of routes past their keep period that still have them.
CREATE INDEX routes_to_anonymise ON routes (service_date) WHERE anonymised_at IS NULL;
