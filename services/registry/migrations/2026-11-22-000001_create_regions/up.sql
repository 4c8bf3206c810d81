-- The regions of Kazakhstan (ISO 3166-2:KZ) with the 2022 child-disability figures of the
-- source documents; persons and centres refer to them by code.
CREATE TABLE regions (
    code                    TEXT PRIMARY KEY CHECK (code ~ '^KZ-[0-9]{2}$'),
    name_kk                 TEXT NOT NULL,
    name_ru                 TEXT NOT NULL,
    name_en                 TEXT NOT NULL,
    kind                    TEXT NOT NULL CHECK (kind IN ('region', 'city')),
    children_2022           INTEGER,
    disabled_children_2022  INTEGER,
    cp_children_2022        INTEGER,
    rehab_beds_2022         INTEGER,
    children_treated_2022   INTEGER
);

INSERT INTO regions (code, name_kk, name_ru, name_en, kind, children_2022, disabled_children_2022,
                     cp_children_2022, rehab_beds_2022, children_treated_2022) VALUES
    ('KZ-10', 'Абай облысы', 'Абайская область', 'Abai Region', 'region', 186790, 2668, NULL, 170, 1547),
    ('KZ-11', 'Ақмола облысы', 'Акмолинская область', 'Akmola Region', 'region', 223606, 3232, 545, 277, 2854),
    ('KZ-15', 'Ақтөбе облысы', 'Актюбинская область', 'Aktobe Region', 'region', 318565, 4774, 853, 219, 4743),
    ('KZ-19', 'Алматы облысы', 'Алматинская область', 'Almaty Region', 'region', 530377, 6755, 2097, 265, 4939),
    ('KZ-23', 'Атырау облысы', 'Атырауская область', 'Atyrau Region', 'region', 262387, 4147, 858, 27, 713),
    ('KZ-27', 'Батыс Қазақстан облысы', 'Западно-Казахстанская область', 'West Kazakhstan Region', 'region', 211751, 2965, 507, 38, 895),
    ('KZ-31', 'Жамбыл облысы', 'Жамбылская область', 'Jambyl Region', 'region', 457058, 6784, 1495, 293, 4312),
    ('KZ-33', 'Жетісу облысы', 'Жетысуская область', 'Jetisu Region', 'region', 241220, 2876, NULL, 87, 1057),
    ('KZ-35', 'Қарағанды облысы', 'Карагандинская область', 'Karaganda Region', 'region', 316473, 4808, 1017, 283, 4549),
    ('KZ-39', 'Қостанай облысы', 'Костанайская область', 'Kostanay Region', 'region', 209313, 3304, 722, 112, 2061),
    ('KZ-43', 'Қызылорда облысы', 'Кызылординская область', 'Kyzylorda Region', 'region', 323035, 5969, 961, 144, 2538),
    ('KZ-47', 'Маңғыстау облысы', 'Мангистауская область', 'Mangystau Region', 'region', 310483, 6997, 793, 57, 835),
    ('KZ-55', 'Павлодар облысы', 'Павлодарская область', 'Pavlodar Region', 'region', 205518, 3425, 606, 78, 890),
    ('KZ-59', 'Солтүстік Қазақстан облысы', 'Северо-Казахстанская область', 'North Kazakhstan Region', 'region', 129590, 2333, 356, 40, 918),
    ('KZ-61', 'Түркістан облысы', 'Туркестанская область', 'Turkistan Region', 'region', 899220, 14829, 2458, 567, 10920),
    ('KZ-62', 'Ұлытау облысы', 'Улытауская область', 'Ulytau Region', 'region', 73370, 928, NULL, 45, 510),
    ('KZ-63', 'Шығыс Қазақстан облысы', 'Восточно-Казахстанская область', 'East Kazakhstan Region', 'region', 183222, 3142, 836, 37, 1318),
    ('KZ-71', 'Астана', 'Астана', 'Astana', 'city', 427481, 8201, 1378, 374, 1906),
    ('KZ-75', 'Алматы', 'Алматы', 'Almaty', 'city', 638452, 8600, 1780, 690, 10545),
    ('KZ-79', 'Шымкент', 'Шымкент', 'Shymkent', 'city', 469089, 7523, 1350, 401, 6487);
