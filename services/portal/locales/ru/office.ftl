## Moderation, the coordinator's dashboard and centre staff

## Coordinator
coord-title = Панель координатора
coord-lead = Показатели регистра, рейтинга центров и транспортной службы. Только количества: ни один человек не назван. Каждую таблицу можно скачать файлом CSV для электронной таблицы.
coord-statistics-title = Статистика регистра
coord-statistics-form = Выберите статистику
coord-region = Регион
coord-all-regions = Вся страна
coord-breakdown = Разрез
coord-show = Показать
coord-as-of = Данные на { $date }.
coord-chart-label = Столбчатая диаграмма: { $breakdown }, { $region }. Те же числа приведены в таблице ниже.
coord-table-caption = { $breakdown }, { $region }
coord-total = Итого
coord-download-csv = Скачать CSV
coord-summary-title = Основные показатели
coord-not-recorded = Не указано
coord-note-child-category = Дети считаются по двум схемам возрастных категорий: действующей с 12 октября 2021 года и прежней. В каждой схеме ребёнок учтён один раз.
coord-note-benefit = Семья может получать несколько видов поддержки, поэтому строки не суммируются.
coord-by-region = По регионам
coord-by-age-band = По возрастным группам
coord-by-child-category = Дети по возрастной категории (с 12.10.2021)
coord-by-child-category-before-2021 = Дети по возрастной категории (до 12.10.2021)
coord-by-sex = По полу
coord-by-group = По группе инвалидности
coord-by-cause = По причине инвалидности
coord-by-nosology = По нозологическим группам
coord-by-housing = Семьи по жилищным условиям
coord-by-benefit = Семьи по видам социальной поддержки
coord-by-education = Дети по статусу обучения
coord-col-persons = Человек
coord-col-children = Детей
coord-col-adults = Взрослых
coord-col-households = Семей
coord-col-with-tutor = Из них с тьютором
coord-persons-total = Состоит в регистре
coord-children-total = Из них детей до 18 лет
coord-adults-total = Из них взрослых
coord-families = Семьи, воспитывающие детей с особыми потребностями
coord-families-children = Детей с особыми потребностями в этих семьях
coord-aid-payments = Выплаты единовременной материальной помощи в этом году
coord-aid-total = Их общая сумма
coord-tenge = { $amount } ₸
coord-coverage = Охват: получили реабилитацию в этом году
coord-children-coverage = Охват детей
coord-coverage-value = { $treated } из { $registered } ({ $share })
coord-age-14-and-under = 14 лет и младше
coord-age-15 = 15 лет
coord-age-16-to-17 = 16–17 лет
coord-age-18-and-over = 18 лет и старше
coord-child-under-7 = До 7 лет
coord-child-7-to-18 = От 7 до 18 лет
coord-child-under-16 = До 16 лет
coord-child-16-to-18 = От 16 до 18 лет
coord-sex-male = Мужской
coord-sex-female = Женский
coord-group-group-1 = I группа
coord-group-group-2 = II группа
coord-group-group-3 = III группа
coord-group-child-under-7 = Ребёнок с инвалидностью до 7 лет
coord-group-child-7-to-18 = Ребёнок с инвалидностью от 7 до 18 лет
coord-group-child-under-16 = Ребёнок-инвалид до 16 лет (до 12.10.2021)
coord-group-child-16-to-18 = Ребёнок-инвалид от 16 до 18 лет (до 12.10.2021)
coord-cause-general-illness = Общее заболевание
coord-cause-since-childhood = С детства
coord-cause-congenital = Врождённая
coord-cause-work-injury = Трудовое увечье
coord-cause-occupational-disease = Профессиональное заболевание
coord-cause-other = Иная причина
coord-nosology-congenital-malformations = Врождённые аномалии
coord-nosology-nervous-system = Болезни нервной системы
coord-nosology-mental-disorders = Психические расстройства
coord-nosology-endocrine = Болезни эндокринной системы
coord-nosology-circulatory = Болезни системы кровообращения
coord-nosology-malignant-neoplasm = Злокачественные новообразования
coord-nosology-injury = Травмы
coord-nosology-other = Прочие
coord-housing-not-needed = Не нуждается
coord-housing-needs-housing = Нуждается в жилье
coord-housing-on-waitlist = В очереди на жильё
coord-housing-provided = Обеспечен жильём
coord-benefit-state-disability-benefit = Государственное социальное пособие по инвалидности
coord-benefit-child-carer-benefit = Пособие воспитывающему ребёнка с инвалидностью
coord-benefit-group-1-carer-benefit = Пособие по уходу за лицом с инвалидностью I группы
coord-benefit-special-state-benefit = Специальное государственное пособие
coord-benefit-targeted-social-assistance = Адресная социальная помощь
coord-benefit-housing-assistance = Жилищная помощь
coord-benefit-other = Иная поддержка
coord-education-at-school = В общеобразовательной школе
coord-education-special-school = В специальной (коррекционной) школе
coord-education-home-schooled = Надомное обучение
coord-education-preschool = В дошкольной организации
coord-education-no-access = Не охвачен обучением
coord-education-no-record = Статус обучения не указан
coord-csv-code = Код
coord-csv-centre-id = Идентификатор центра
coord-csv-tier-code = Код уровня
coord-ratings-title = Рейтинг центров
coord-ratings-form = Выберите квартал
coord-quarter = Квартал
coord-latest-quarter = Последний оценённый квартал
coord-ratings-caption = Рейтинг, { $period }
coord-ratings-none = За этот квартал ни один центр не оценён.
coord-rank = Место
coord-centre = Центр
coord-period = Период
coord-composite = Итоговый балл
coord-stars = Звёзды
coord-tier = Уровень
coord-transport-title = Показатели транспорта по месяцам
coord-transport-form = Выберите месяцы
coord-from = Первый месяц
coord-to = Последний месяц
coord-month-hint = Год и месяц, например 2026-01
coord-month = Месяц
coord-transport-caption = Показатели транспорта, с { $from } по { $to }
coord-transport-chart = Столбчатая диаграмма: выполненные поездки по месяцам, с { $from } по { $to }. Те же числа приведены в таблице ниже.
coord-trips-requested = Заказано поездок
coord-trips-served = Выполнено поездок
coord-trips-denied = Отказано
coord-trips-cancelled = Отменено вовремя
coord-trips-late-cancelled = Отменено поздно
coord-trips-no-show = Пассажир не вышел
coord-on-time-pickups = Забраны вовремя
coord-on-time-share = Доля вовремя
coord-ride-time-ratio = Время в пути к прямому
coord-vehicle-hours = Машино-часы
coord-trips-per-vehicle-hour = Поездок на машино-час
coord-shared-ride-share = Доля совместных поездок
coord-bus-boardings = Посадки в автобус
coord-error-region = Выберите регион из списка: в адресе указан несуществующий регион
coord-error-breakdown = Выберите разрез из списка
coord-error-quarter = Укажите квартал как год и номер квартала, например 2026-Q2
coord-error-quarter-future = Этот квартал ещё не начался: выберите начавшийся
coord-error-from = Укажите первый месяц как год и месяц, например 2026-01
coord-error-to = Укажите последний месяц как год и месяц, например 2026-06
coord-error-to-before-from = Последний месяц не может быть раньше первого
coord-error-to-future = Последний месяц не может быть позже текущего
coord-error-range = Выберите не больше { $n } месяцев
coord-bad-query-title = Проверьте адрес
coord-bad-query = Адрес запрашивает данные, которые панель дать не может:
coord-back = Вернуться на панель координатора

## Moderation
moderation-title = Модерация
moderation-lead = Оценки ждут здесь, пока модератор не опубликует или не отклонит их. Сначала самые старые.
moderation-to-complaints = Жалобы и сроки ответа
moderation-to-queue = Оценки на модерации
moderation-pending-heading = Ждут модерации
moderation-pending-none = Нет оценок, ожидающих модерации.
moderation-reported-heading = Жалобы после публикации
moderation-reported-none = Нет опубликованных оценок с жалобами, ожидающими решения.
moderation-count = { $n ->
    [one] { $n } оценка, сначала самые старые.
    [few] { $n } оценки, сначала самые старые.
   *[many] { $n } оценок, сначала самые старые.
}
moderation-submitted = Отправлена
moderation-status = Статус
moderation-recommend = Порекомендовали бы
moderation-precheck = Автоматическая проверка
moderation-precheck-none = Ничего не найдено
moderation-precheck-found = Проверьте комментарий:
moderation-flag-unspecified = Требует проверки
moderation-flag-iin = ИИН (индивидуальный идентификационный номер)
moderation-flag-phone = номер телефона
moderation-flag-email = адрес электронной почты
moderation-reports = Жалобы на отзыв
moderation-reports-open = { $n ->
    [0] Открытых жалоб нет
    [one] { $n } открытая жалоба
    [few] { $n } открытые жалобы
   *[many] { $n } открытых жалоб
}
moderation-no-comment = Комментарий не написан.
moderation-reason-legend = Причина отклонения
moderation-reason-hint = Нужна только для отклонения. Для публикации причина не нужна.
moderation-note-label = Сообщение автору
moderation-note-hint = Нужно для отклонения: объясните автору, почему оценка не опубликована. Не более 1 000 символов.
moderation-publish = Опубликовать
moderation-reject = Отклонить
moderation-issue-unspecified = Причина неизвестна
moderation-issue-personal-data = Содержит персональные данные
moderation-issue-third-person = Называет или описывает другого человека
moderation-issue-offensive = Оскорбления или брань
moderation-issue-off-topic = Не о полученной услуге
moderation-issue-spam = Реклама или спам
moderation-issue-false-information = Недостоверные сведения
moderation-issue-complaint = Жалоба, которую нужно рассмотреть как жалобу
moderation-issue-other = Другое (объясните в сообщении)
moderation-notice-published = Оценка опубликована.
moderation-notice-rejected = Оценка отклонена; автор увидит ваше сообщение.
moderation-refused-decided = По этой оценке уже принято решение, или она больше не ждёт решения. Ничего не изменено. Вернитесь к очереди, чтобы увидеть её текущее состояние.
moderation-refused-edited = Автор изменил оценку после того, как вы открыли очередь. Ничего не изменено. Вернитесь к очереди и прочитайте её заново.
moderation-error-action = Выберите: опубликовать или отклонить
moderation-error-issue-missing = Выберите причину отклонения
moderation-error-note-missing = Напишите автору, почему оценка отклонена
moderation-error-note-long = { $n ->
    [one] Сообщение должно быть не длиннее { $n } символа
   *[other] Сообщение должно быть не длиннее { $n } символов
}
moderation-error-note-characters = В сообщении есть символы, которые нельзя сохранить; удалите их
moderation-error-note-refused = Сервис отзывов не принял это сообщение
moderation-error-general = Сервис отзывов не принял решение; проверьте его и попробуйте снова
moderation-complaints-title = Жалобы
moderation-complaints-lead = Жалобы, которые ещё нужно рассмотреть. Сначала просроченные, затем по сроку ответа.
moderation-complaints-none = Нет жалоб, ожидающих рассмотрения.
moderation-complaints-count = { $n ->
    [one] { $n } жалоба к рассмотрению.
    [few] { $n } жалобы к рассмотрению.
   *[many] { $n } жалоб к рассмотрению.
}
moderation-complaints-overdue-count = { $n ->
    [one] Просрочена { $n }.
   *[other] Просрочено { $n }.
}
moderation-complaint-overdue-tag = Просрочена
moderation-complaint-received = Получена
moderation-complaint-status = Статус
moderation-complaint-deadline = Срок ответа
moderation-complaint-overdue = Просрочена: ответ нужно было дать до { $date }
moderation-complaint-text = Жалоба
moderation-complaint-response = Ответ центра
moderation-complaint-resolution = Решение
moderation-complaint-next-legend = Перевести жалобу в статус
moderation-complaint-resolution-label = Решение или причина отклонения
moderation-complaint-resolution-hint = Нужно, чтобы решить или отклонить жалобу; заявитель его прочитает. Не более 4 000 символов.
moderation-complaint-submit = Сохранить новый статус
moderation-notice-complaint = Жалоба обновлена.
moderation-complaint-refused-status = Жалобу нельзя перевести в этот статус сейчас: она закрыта или уже перешла дальше. Ничего не изменено.
moderation-complaint-refused-changed = Кто-то изменил жалобу после того, как вы открыли список. Ничего не изменено. Откройте список заново.
moderation-error-complaint-closed = Жалоба закрыта; её нельзя изменить
moderation-error-status-missing = Выберите новый статус жалобы
moderation-error-resolution-missing = Напишите решение или причину отклонения
moderation-error-resolution-long = { $n ->
    [one] Решение должно быть не длиннее { $n } символа
   *[other] Решение должно быть не длиннее { $n } символов
}
moderation-error-resolution-characters = В решении есть символы, которые нельзя сохранить; удалите их
moderation-error-resolution-refused = Сервис отзывов не принял это решение
moderation-error-complaint-general = Сервис отзывов не принял изменение; проверьте его и попробуйте снова

## Centre staff
staff-title = Мой центр
staff-contents = На этой странице
staff-queue-heading = Очередь
staff-queue-caption = Очередь центра по порядку
staff-queue-none = В очереди центра никого нет.
staff-queue-total = { $n ->
    [one] Ожидает { $n } направление.
    [few] Ожидают { $n } направления.
   *[many] Ожидают { $n } направлений.
}
staff-col-position = Место
staff-col-referral-number = Номер направления
staff-col-form = Форма обслуживания
staff-col-state = Состояние
staff-col-referral-date = Дата направления
staff-col-arrival-due = Прибыть до
staff-col-days-waiting = Дней ожидания
staff-col-admitted = Зачислен
staff-col-ended = Завершён
staff-out-of-turn = Вне очереди
staff-episodes-heading = Эпизоды
staff-episodes-caption = Эпизоды центра
staff-episodes-hint = Эпизоды лиц, связанных с центром сейчас: в очереди, с предложенным местом, проживающих или недавно выбывших.
staff-episodes-none = У центра нет эпизодов для показа.
staff-evaluations-heading = Оценки
staff-evaluations-hint = Что получатели написали о центре, без их имён. Центр может один раз публично ответить на опубликованную оценку.
staff-evaluations-none = У центра пока нет оценок.
staff-evaluation-heading = Оценка от { $day }
staff-reply-label = Ответ центра
staff-reply-hint = Показывается публично под оценкой. Ответ один, изменить его нельзя. Не более 2 000 символов.
staff-reply-submit = Опубликовать ответ
staff-reply-after-publication = Ответить можно после публикации оценки.
staff-notice-replied = Ответ опубликован.
staff-refused-replied = Центр уже ответил на эту оценку. Ничего не изменено.
staff-refused-not-published = Оценка не опубликована, ответить на неё нельзя. Ничего не изменено.
staff-reply-error-empty = Напишите ответ
staff-reply-error-long = { $n ->
    [one] Ответ должен быть не длиннее { $n } символа
   *[other] Ответ должен быть не длиннее { $n } символов
}
staff-reply-error-characters = В ответе есть символы, которые нельзя сохранить; удалите их
staff-reply-error-refused = Сервис отзывов не принял этот ответ
staff-indicators-heading = Показатели, которые сообщает центр
staff-indicators-none = В методике рейтинга нет показателей, которые центр сообщает сам: все показатели вносит город.
staff-indicators-lead = Значения за { $period }. Оставьте пустым то, что сейчас не сообщаете; значение городской проверки учитывается раньше самоотчёта центра.
staff-ind-value-label = Значение
staff-ind-sample-label = Число учтённых получателей (необязательно)
staff-ind-sample-hint = Целое число.
staff-ind-hint-share = Доля от 0 до 1, например 0,85.
staff-ind-hint-per-100 = На 100 получателей, например 12,5.
staff-ind-hint-number = Число, 0 или больше.
staff-ind-submit = Внести значения
staff-notice-recorded = Значения внесены.
staff-ind-error-value-missing = Введите значение или оставьте пустым и число получателей
staff-ind-error-value-number = Введите значение числом, например 12,5
staff-ind-error-value-negative = Значение должно быть числом 0 или больше
staff-ind-error-share = Доля — число от 0 до 1
staff-ind-error-sample = Число получателей — целое число от 0 до { $n }
staff-ind-error-none = Введите хотя бы одно значение
staff-ind-error-refused = Сервис рейтинга не принял это значение
staff-ind-error-general = Сервис рейтинга не принял значения; проверьте их и попробуйте снова
