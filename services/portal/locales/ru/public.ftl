## Centres
centres-title = Реабилитационные центры и их рейтинг
centres-lead = Найдите реабилитационный центр и посмотрите, как его оценивает методика города и люди, которые в нём получали услуги.
centres-filters = Отбор центров
centres-search = Поиск по названию
centres-filter = Показать центры
centres-found = { $n ->
    [one] Найден { $n } центр
    [few] Найдено { $n } центра
   *[many] Найдено { $n } центров
}
centres-page = Страница { $n }
centres-none = Ни один центр не подходит под эти условия. Выберите другой регион или очистите поиск.
evaluations-count = { $n ->
    [one] { $n } оценка
    [few] { $n } оценки
   *[many] { $n } оценок
}
filter-region = Регион
filter-sector = Отрасль
filter-kind = Вид организации
filter-form = Форма обслуживания
filter-any-region = Все регионы
filter-any-sector = Все отрасли
filter-any-kind = Все виды
filter-any-form = Все формы

## Paging
public-pagination = Страницы списка
public-pagination-evaluations = Страницы оценок
public-page-previous = Предыдущая страница
public-page-next = Следующая страница
public-page-number = Страница { $n }

## Regions (ISO 3166-2:KZ)
region-kz-10 = Абайская область
region-kz-11 = Акмолинская область
region-kz-15 = Актюбинская область
region-kz-19 = Алматинская область
region-kz-23 = Атырауская область
region-kz-27 = Западно-Казахстанская область
region-kz-31 = Жамбылская область
region-kz-33 = Жетысуская область
region-kz-35 = Карагандинская область
region-kz-39 = Костанайская область
region-kz-43 = Кызылординская область
region-kz-47 = Мангистауская область
region-kz-55 = Павлодарская область
region-kz-59 = Северо-Казахстанская область
region-kz-61 = Туркестанская область
region-kz-62 = Улытауская область
region-kz-63 = Восточно-Казахстанская область
region-kz-71 = Астана
region-kz-75 = Алматы
region-kz-79 = Шымкент

## Sectors, kinds, forms of service
sector-health = Здравоохранение
sector-social = Социальная защита
sector-education = Образование
sector-ngo = Неправительственная организация
kind-rehab-centre = Реабилитационный центр
kind-early-intervention = Центр раннего вмешательства
kind-rehab-unit = Отделение реабилитации больницы
kind-social-service-centre = Центр оказания специальных социальных услуг
kind-psychoneurological = Психоневрологическое медико-социальное учреждение
kind-day-care = Отделение дневного пребывания
kind-other = Иная организация
form-stationary = Стационар
form-semi-stationary = Полустационар (дневное пребывание)
form-home-based = На дому
form-temporary-stay = Временное пребывание
form-outpatient = Амбулаторно-поликлиническая помощь
form-day-hospital = Дневной стационар
ages-unknown = Не указано
ages-between = От { $min } до { $max } лет
ages-from = { $n ->
    [one] С { $n } года, без верхней границы
   *[other] С { $n } лет, без верхней границы
}

## A centre
centre-back = К списку центров
centre-contacts = Контакты и услуги
centre-address = Адрес
centre-phones = Телефоны
centre-emails = Электронная почта
centre-website = Сайт
centre-forms = Формы обслуживания
centre-ages = Возраст получателей
centre-rating = Текущий рейтинг

## The rating
rating-stars-of-five = { $n } из 5 звёзд
rating-no-stars = Без звёзд: недостаточно данных для оценки
rating-tier = Уровень
rating-peer-rank = Место среди схожих центров: { $rank }
rating-rank = { $rank } из { $total }
rating-not-yet = Рейтинг ещё не рассчитан.
rating-period = Период
rating-composite = Итоговый балл (0–100)
rating-composite-value = { $score } из 100
rating-peer-rank-label = Место среди центров той же отрасли и вида
rating-region-rank-label = Место в регионе
rating-methodology = Методика
rating-methodology-version = Версия { $version }
rating-explanation = Почему такой рейтинг
rating-criteria = Критерии и показатели
tier-incentive = Поощрение
tier-standard = Стандартный
tier-warning = Предупреждение
tier-penalty = Санкция
tier-insufficient-data = Недостаточно данных
tier-none = Без уровня
criterion-effectiveness = Эффективность
criterion-activities = Организация реабилитации и мероприятия
criterion-access = Доступность
criterion-satisfaction = Удовлетворённость получателей
criterion-unknown = Другой критерий
criterion-missing = недостаточно данных
criterion-score = { $score } из 100
criterion-weight = вес { $weight }
criterion-self-reported-only = Основан только на самоотчёте центра.
indicator-name = Показатель
indicator-value = Значение
indicator-score = Балл (0–100)
indicator-source = Источник
indicator-suppressed = Скрыто: меньше 5 оценок.
indicator-self-report-overridden = Вместо самоотчёта центра использовано значение проверки города.
indicator-missing = Нет значения за этот период.
indicator-sample = { $n ->
    [one] по { $n } случаю
   *[other] по { $n } случаям
}
source-registry = Данные регистра
source-feedback = Оценки получателей
source-inspection = Проверка города
source-self-reported = Самоотчёт центра
source-unknown = Источник неизвестен
flag-self-reported-only = Один из критериев основан только на самоотчёте центра.
flag-feedback-suppressed = Опубликовано меньше 5 оценок: оценки получателей пока не учитываются.
flag-stars-capped = Число звёзд ограничено из-за неустранённого критического нарушения.
flag-consecutive-low = Второй период подряд две звезды или меньше.
flag-inspection-triggered = Город назначил проверку центра.
flag-unknown = Действует другое условие.
unit-days = { $n ->
    [one] { $n } день
    [few] { $n } дня
   *[many] { $n } дней
}
period-quarter = { $year } год, { $number }-й квартал
period-month = { $year } год, { $number }-й месяц

## Indicators
indicator-improved-discharge-share = Доля выписанных с улучшением
indicator-plan-fulfilment = Выполнение плана
indicator-capacity-use = Использование коечного фонда и мест
indicator-results-score = Оценка результатов получателями
indicator-events-per-100-recipients = Культурно-социальные мероприятия на 100 получателей
indicator-activities-score = Оценка мероприятий получателями
indicator-median-wait-days = Медиана ожидания от направления до поступления
indicator-accessibility-checklist-share = Выполнение чек-листа доступности
indicator-information-openness-share = Выполнение чек-листа информационной открытости
indicator-access-score = Оценка доступности, информации, комфорта и ожидания получателями
indicator-overall-score = Общая оценка получателей
indicator-would-recommend-share = Доля рекомендующих центр

## History
history-title = Рейтинг по кварталам
history-none = Прежних рейтингов пока нет.
history-table = Рейтинг по кварталам, таблица
history-period = Период
history-stars = Звёзды
history-chart = Линейный график итогового балла (0–100) центра «{ $name }» по кварталам; те же значения в таблице ниже.

## Feedback
feedback-title = Что говорят получатели
feedback-none = В этом квартале оценок пока нет.
feedback-suppressed = В этом квартале опубликовано меньше { $n } оценок, поэтому баллы не показываются: при таком малом числе ответов по ним можно узнать авторов, и они ненадёжны.
feedback-overall = Общая оценка
feedback-of-five = { $score } из 5
feedback-recommend = Порекомендовали бы центр (9 или 10 из 10)
feedback-recommend-share = { $share } ответивших
feedback-median-wait = Медиана ожидания по ответам
feedback-bayesian-hint = Скорректированная оценка приближает малые выборки к среднему по городу, поэтому несколько ответов не могут сильно её сдвинуть.
feedback-table = Оценки по критериям
feedback-column-criterion = Критерий
feedback-bayesian = Скорректированная оценка
feedback-mean = Среднее
feedback-answers = Ответов
feedback-score-column = Оценка { $n }
feedback-criterion-results = Результаты реабилитации
feedback-criterion-activities = Культурно-социальные мероприятия
feedback-criterion-accessibility = Доступность
feedback-criterion-information = Открытость информации
feedback-criterion-comfort = Комфортность
feedback-criterion-waiting = Ожидание в очереди
feedback-criterion-staff-courtesy = Вежливость персонала
feedback-criterion-unknown = Другое

## Published evaluations
published-title = Опубликованные оценки
published-none = Опубликованных оценок пока нет.
published-heading = Оценка от { $day }
published-score = { $n } из 5
published-recommend = Порекомендовали бы: { $n } из 10
published-reply = Ответ центра от { $day }

## Methodology
method-title = Как устроен рейтинг
method-lead = Каждый центр оценивается ежеквартально по одним и тем же опубликованным правилам. Рейтинг объясняется построчно, и каждое число ниже входит в методику с номером версии.
method-version = Версия методики { $version }
method-effective = действует с { $day }
method-criteria = Критерии и их вес
method-criteria-intro = Рейтинг складывается из четырёх критериев. Значение каждого показателя переводится в балл от 0 до 100 между худшим и лучшим значением; балл критерия — среднее его показателей.
method-criterion-heading = { $name }
method-indicators-of = Показатели критерия «{ $name }»
method-direction = Лучше, когда
method-worst = 0 баллов при
method-best = 100 баллов при
method-higher-better = выше
method-lower-better = ниже
method-composite = Итоговый балл
method-composite-text = Итоговый балл от 0 до 100 — взвешенное среднее критериев, по которым есть данные. Границы постоянны, а не относительны: все центры региона могут получить пять звёзд.
method-stars = Звёзды
method-stars-line = { $stars ->
    [one] { $stars } звезда
    [few] { $stars } звезды
   *[many] { $stars } звёзд
}: итоговый балл { $cut } и выше
method-stars-lowest = 1 звезда: итоговый балл ниже { $cut }
method-cap = { $n ->
    [one] Пока критическое нарушение, выявленное городом, не устранено, центр получает не больше { $n } звезды.
   *[other] Пока критическое нарушение, выявленное городом, не устранено, центр получает не больше { $n } звёзд.
}
method-tiers = Поощрения и санкции
method-tier-incentive = Пять звёзд, или четыре звезды и место среди лучших { $share } схожих центров за период.
method-tier-standard = Три или четыре звезды в остальных случаях.
method-tier-warning = Две звезды или меньше за один период.
method-tier-penalty = { $n ->
    [one] Две звезды или меньше, или неустранённое критическое нарушение. Город проводит проверку центра.
    [few] Две звезды или меньше { $n } периода подряд, или неустранённое критическое нарушение. Город проводит проверку центра.
   *[many] Две звезды или меньше { $n } периодов подряд, или неустранённое критическое нарушение. Город проводит проверку центра.
}
method-tier-insufficient = { $n ->
    [one] Данные есть меньше чем по { $n } критерию: звёзды не присваиваются.
   *[other] Данные есть меньше чем по { $n } критериям: звёзды не присваиваются.
}
method-samples = Малые выборки
method-min-evaluations = { $n ->
    [one] Оценки получателей учитываются, только если у центра за период опубликована хотя бы { $n } оценка.
    [few] Оценки получателей учитываются, только если у центра за период опубликовано хотя бы { $n } оценки.
   *[many] Оценки получателей учитываются, только если у центра за период опубликовано хотя бы { $n } оценок.
}
method-prior = Каждое среднее оценок получателей приближается к среднему по городу так, будто добавлено ещё { $m } ответов с этим средним, поэтому несколько ответов не могут сильно его сдвинуть.
method-min-criteria = { $n ->
    [one] Для рейтинга нужны данные хотя бы по { $n } критерию.
   *[other] Для рейтинга нужны данные хотя бы по { $n } критериям.
}
