DROP TABLE eligibility_representatives;
DROP TABLE eligibility_persons;
DROP TABLE eligibility_episodes;
