## citizen
## Личные страницы гражданина: услуги, оценки, жалобы и поездки на инватакси.

## Формы
my-centre-unknown = Реабилитационный центр

## Мои услуги
my-services-title = Мои услуги
my-services-lead = Ваши направления, места в очереди и пребывание в реабилитационных центрах, а также тех, кого вы представляете.
my-services-own = Ваши услуги
my-services-represented = Услуги: { $name }
my-services-none = Направлений и пребывания не записано.
my-services-state = Статус
my-services-queue = Очередь
my-services-referred = Дата направления
my-services-admitted = Зачислен
my-services-ended = Завершено
my-services-position = Место в очереди: { $position } из { $length }.
my-services-median-wait = { $n ->
    [one] Обычно зачисляют примерно через { $n } день ожидания.
    [few] Обычно зачисляют примерно через { $n } дня ожидания.
   *[other] Обычно зачисляют примерно через { $n } дней ожидания.
}
my-services-arrival-due = Предложено место: прибыть до { $date }.
my-services-evaluate = Оценить эту услугу
my-services-evaluated = Вы уже оценили эту услугу.
my-services-see-evaluations = Посмотреть ваши оценки
my-episode-state-unspecified = Неизвестно
my-episode-state-queued = В очереди
my-episode-state-offered = Предложено место
my-episode-state-postponed = Прибытие отложено
my-episode-state-admitted = Зачислен
my-episode-state-temporary-leave = Временное выбытие
my-episode-state-returned = Вернулся
my-episode-state-suspended = Приостановлено
my-episode-state-discharged = Выписан
my-episode-state-transferred = Переведён в другой центр
my-episode-state-expelled = Отчислен
my-episode-state-terminated = Услуга прекращена
my-episode-state-no-show = Не прибыл

## Оценка услуги
my-evaluate-title = Оценить услугу
my-edit-title = Изменить оценку
my-evaluate-submit = Отправить оценку
my-edit-submit = Отправить изменения
my-evaluate-about = Пребывание: зачислен { $admitted }, завершено { $ended }.
my-edit-about = Отправлено { $sent }. Изменить можно до { $until }.
my-evaluate-intro = Ваши ответы помогают другим семьям выбрать центр и учитываются в рейтинге центра. Центр не узнает, кто вы.
my-evaluate-scores-heading = Как прошла услуга?
my-evaluate-scores-hint = Оцените каждый пункт от 1 (очень плохо) до 5 (очень хорошо). Выберите «Не относится», если этого не было в вашей услуге; оцените хотя бы один пункт.
my-evaluate-more-heading = Подробнее о пребывании
my-evaluate-moderation-hint = Модератор читает каждую оценку до публикации. Не пишите имена, телефоны и ИИН.
my-criterion-results = Результаты реабилитации
my-criterion-results-hint = Помогла ли реабилитация?
my-criterion-activities = Культурно-социальные мероприятия
my-criterion-activities-hint = Мероприятия, кружки и выезды во время программы.
my-criterion-accessibility = Доступность
my-criterion-accessibility-hint = Входы, пандусы, лифты, туалеты и комнаты для людей с ограниченной подвижностью.
my-criterion-information = Открытость информации
my-criterion-information-hint = Легко ли было узнать о центре, его услугах и правилах?
my-criterion-comfort = Комфортность
my-criterion-comfort-hint = Комнаты, питание, чистота и тишина во время пребывания.
my-criterion-waiting = Ожидание в очереди
my-criterion-waiting-hint = Разумным ли было ожидание места?
my-criterion-staff-courtesy = Вежливость персонала
my-criterion-staff-courtesy-hint = Были ли сотрудники вежливы и внимательны?
my-score-1 = 1, очень плохо
my-score-2 = 2, плохо
my-score-3 = 3, удовлетворительно
my-score-4 = 4, хорошо
my-score-5 = 5, очень хорошо
my-score-na = Не относится
my-recommend-legend = Насколько вероятно, что вы порекомендуете этот центр людям в похожей ситуации?
my-recommend-hint = 0 — совсем маловероятно, 10 — очень вероятно.
my-recommend-no-answer = Предпочитаю не отвечать
my-days-waited-label = Сколько дней вы ждали места? (необязательно)
my-days-waited-hint = От направления до зачисления, в днях. Мы заполнили по данным регистра; измените, если помните иначе.
my-comment-label = Ваш комментарий (необязательно)
my-comment-hint = { $n ->
    [one] Не более { $n } символа.
    [few] Не более { $n } символов.
   *[other] Не более { $n } символов.
}
my-complaint-label = Жалоба (необязательно)
my-complaint-hint = { $n ->
    [one] Пишите здесь, только если хотите, чтобы город разобрался с проблемой; центр должен ответить в течение 15 рабочих дней. Не более { $n } символа.
   *[other] Пишите здесь, только если хотите, чтобы город разобрался с проблемой; центр должен ответить в течение 15 рабочих дней. Не более { $n } символов.
}
my-eval-error-score-missing = Выберите оценку от 1 до 5 или «Не относится»
my-eval-error-score-range = Оценка должна быть числом от 1 до 5
my-eval-error-scores-none = Оцените хотя бы один пункт услуги от 1 до 5
my-eval-error-days-number = Укажите дни ожидания целым числом, например 30
my-eval-error-days-range = Дней ожидания должно быть от 0 до 3650
my-eval-error-recommend-range = Выберите число от 0 до 10
my-eval-error-comment-long = Комментарий должен быть не длиннее 2000 символов
my-eval-error-comment-characters = В комментарии есть символы, которые нельзя сохранить; уберите специальные знаки
my-eval-error-comment-refused = Комментарий не принят: не более 2000 символов, без специальных знаков
my-eval-error-complaint-long = Жалоба должна быть не длиннее 4000 символов
my-eval-error-general = Оценку не удалось принять. Проверьте ответы и отправьте ещё раз.
my-eval-error-not-received = Эту услугу пока нельзя оценить: оценить можно после зачисления.
my-eval-error-edit-window = Эту оценку больше нельзя изменить: изменения возможны в течение 14 дней после отправки.

## Мои оценки
my-evaluations-title = Мои оценки
my-evaluations-lead = Оценки, которые вы отправили, и их статус.
my-evaluations-none = Вы ещё не оценили ни одной услуги. Услуги, которые можно оценить, показаны на странице
my-evaluations-sent = Отправлено
my-evaluations-status = Статус
my-evaluations-moderator-note = Комментарий модератора
my-evaluations-reply = Ответ центра
my-evaluations-complaint = Жалоба
my-evaluations-complaint-link = С этой оценкой подана жалоба
my-evaluations-edit = Изменить эту оценку
my-evaluations-edit-until = (можно до { $until })
my-eval-status-unspecified = Неизвестно
my-eval-status-pending-moderation = На модерации
my-eval-status-published = Опубликовано
my-eval-status-rejected = Не опубликовано
my-eval-status-hidden-reported = Скрыто на время проверки жалоб
my-notice-eval-sent = Спасибо: ваша оценка отправлена и ожидает модерации.
my-notice-eval-updated = Изменения отправлены; оценка снова ожидает модерации.
my-notice-eval-exists = Эта услуга уже оценена; ваша оценка показана ниже.

## Мои жалобы
my-complaints-title = Мои жалобы
my-complaints-lead = Ваши жалобы на услуги и сроки ответа.
my-complaints-none = У вас нет жалоб.
my-complaints-received = Получена
my-complaints-status = Статус
my-complaints-deadline = Срок ответа
my-complaints-overdue-tag = Просрочено
my-complaints-overdue = Ответ должен был быть дан до { $date }, но его ещё нет.
my-complaints-closed = Закрыта
my-complaints-text = Ваша жалоба
my-complaints-response = Ответ центра
my-complaints-resolution = Решение
my-complaint-status-unspecified = Неизвестно
my-complaint-status-open = Получена
my-complaint-status-in-review = На рассмотрении
my-complaint-status-resolved = Решена
my-complaint-status-rejected = Отклонена как необоснованная

## Поездки на инватакси
my-trips-title = Мои поездки на инватакси
my-trips-lead = Ваши поездки на инватакси; заказ — с завтрашнего дня и до двух недель вперёд.
my-trips-book = Заказать поездку
my-trips-none = У вас нет поездок.
my-trips-state = Статус
my-trips-planned = Подача
my-trips-from = Откуда
my-trips-to = Куда
my-trips-day = Поездка
my-trips-cancel = Отменить эту поездку
my-trip-asked-pickup = подача в { $time }
my-trip-asked-arrival = прибыть к { $time }
my-trip-planned = примерно в { $time } (между { $from } и { $until })
my-trip-not-planned = ещё не запланирована: время назначают накануне
my-trip-state-unspecified = Неизвестно
my-trip-state-requested = Заявка подана
my-trip-state-scheduled = Запланирована
my-trip-state-driver-en-route = Водитель в пути
my-trip-state-arrived = Водитель прибыл
my-trip-state-on-board = Пассажир в машине
my-trip-state-completed = Завершена
my-trip-state-cancelled = Отменена
my-trip-state-late-cancelled = Поздняя отмена
my-trip-state-no-show = Неявка пассажира
my-trip-state-rejected = Отклонена
my-trip-reason-unspecified = Причина не указана.
my-trip-reason-not-eligible = По данным регистра у вас нет права на инватакси.
my-trip-reason-no-capacity = На это время нет свободного транспорта.
my-trip-reason-outside-service-hours = Время вне часов работы инватакси.
my-trip-reason-outside-service-area = Адрес вне зоны обслуживания инватакси.
my-trip-reason-other = Отклонена по другой причине.
my-trip-purpose-unspecified = Не указана
my-trip-purpose-rehabilitation = Реабилитация в центре
my-trip-purpose-medical = Приём у врача
my-trip-purpose-social-service = Социальная служба, госорган
my-trip-purpose-education = Учёба
my-trip-purpose-culture-and-sport = Культурное или спортивное мероприятие
my-trip-purpose-other = Другая цель
my-notice-trip-requested = Заявка на поездку подана. Время подачи назначат накануне поездки.
my-notice-trip-rejected = Заявка записана, но отклонена; причина указана ниже.
my-notice-trip-cancelled = Поездка отменена.
my-notice-trip-late-cancelled = Поездка отменена поздно: записана как поздняя отмена.

## Заказ поездки
my-trip-new-title = Заказать инватакси
my-trip-new-lead = Инватакси возит вас между домом и реабилитационным центром.
my-trip-window = Заказать можно на любой день с { $first } по { $last }, с 09:00 до 18:00.
my-trip-home = Ваш домашний адрес: { $address }
my-trip-home-unknown = Ваш домашний адрес не записан в регистре.
my-trip-direction-legend = Куда едете?
my-trip-to-centre = Из дома в центр
my-trip-from-centre = Из центра домой
my-trip-centre-label = Центр
my-trip-centre-choose = Выберите центр
my-trip-time-kind-legend = Указанное время — это
my-trip-time-pickup = время подачи машины
my-trip-time-arrival = время, к которому нужно прибыть
my-trip-date-label = День поездки
my-trip-date-hint = Например, 2026-07-15.
my-trip-time-label = Время
my-trip-time-hint = С 09:00 до 18:00, например 09:30.
my-trip-needs-legend = Ваши потребности
my-trip-wheelchair = Я передвигаюсь на кресле-коляске
my-trip-escorts-label = Сопровождающие
my-trip-escorts-hint = Каждому сопровождающему нужно место; не более 3.
my-trip-purpose-label = Цель поездки
my-trip-note-label = Примечание для водителя (необязательно)
my-trip-note-hint = { $n ->
    [one] Подъезд, этаж, ориентир. Не более { $n } символа.
   *[other] Подъезд, этаж, ориентир. Не более { $n } символов.
}
my-trip-new-submit = Заказать поездку
my-trip-error-direction = Выберите направление поездки
my-trip-error-no-home = Вашего домашнего адреса нет на карте регистра; попросите районный отдел соцзащиты записать его
my-trip-error-centre = Выберите центр из списка
my-trip-error-centre-unlocated = Адреса этого центра ещё нет на карте; выберите другой центр или позвоните диспетчеру
my-trip-error-time-kind = Выберите, это время подачи или время прибытия
my-trip-error-date-format = Укажите день в виде год-месяц-день, например 2026-07-15
my-trip-error-date-window = Выберите день с завтрашнего и не далее 14 дней вперёд
my-trip-error-time-format = Укажите время в часах и минутах, например 09:30
my-trip-error-time-hours = Выберите время с 09:00 до 18:00
my-trip-error-escorts = Выберите от 0 до 3 сопровождающих
my-trip-error-purpose = Выберите цель поездки
my-trip-error-note-long = Примечание должно быть не длиннее 500 символов
my-trip-error-note-characters = В примечании есть символы, которые нельзя сохранить; уберите специальные знаки
my-trip-error-places = Адреса поездки не удалось использовать; проверьте домашний адрес и центр
my-trip-error-general = Поездку не удалось заказать. Проверьте форму и отправьте ещё раз.
my-trip-error-resent = Эта форма уже отправлена. Проверьте свои поездки; чтобы заказать ещё одну, отправьте форму снова.

## Отмена поездки
my-trip-cancel-title = Отменить поездку
my-trip-cancel-question = Отменить эту поездку?
my-trip-cancel-late-title = Это поздняя отмена.
my-trip-cancel-late = До подачи машины меньше 2 часов. Поездка будет записана как поздняя отмена.
my-trip-cancel-yes = Да, отменить поездку
my-trip-cancel-no = Нет, оставить поездку
my-trip-cancel-impossible = Эту поездку уже нельзя отменить: водитель выехал или поездка завершена. Позвоните диспетчеру, если нужна помощь.
