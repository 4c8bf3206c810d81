## Centres
centres-title = Реабилитационные центры и их рейтинг
centres-search = Поиск по названию
centres-filter = Показать центры
centres-found = { $n ->
    [one] Найден { $n } центр
    [few] Найдено { $n } центра
   *[many] Найдено { $n } центров
}
evaluations-count = { $n ->
    [one] { $n } оценка
    [few] { $n } оценки
   *[many] { $n } оценок
}
