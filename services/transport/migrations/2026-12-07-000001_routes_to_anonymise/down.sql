DROP INDEX routes_to_anonymise;
