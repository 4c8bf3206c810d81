## The dispatcher's board and the driver's day

## Driver's day
driver-title = Мой день
driver-date = День: { $date }
driver-refresh = Обновить
driver-route-changed = Ваш маршрут изменился
driver-no-shift = В этот день у вас нет смены, поэтому остановок нет.
driver-next = Следующая остановка
driver-needs = Что нужно пассажиру
driver-wheelchair = На коляске: нужно место для коляски
driver-escorts = Сопровождающие: { $n }
driver-state = Поездка
driver-nothing-ahead = Впереди остановок нет: поездки дня выполнены или ещё не запланированы.
driver-later = Следующие остановки
driver-served = Пройденные остановки ({ $n })
driver-pickup = Посадка
driver-dropoff = Высадка
driver-window = Окно посадки { $from }–{ $until }
driver-no-show-from = Если пассажир не выйдет, неявку можно отметить с { $time }.
driver-step-en-route = Выехал
driver-step-arrived = Прибыл
driver-step-on-board = Пассажир в машине
driver-step-completed = Пассажир доставлен
driver-step-no-show = Пассажир не вышел
driver-refused-title = Шаг не записан
driver-refused-no-show-wait = Отмечать неявку ещё рано: подождите на месте посадки { $n ->
    [one] { $n } минуту
    [few] { $n } минуты
   *[other] { $n } минут
} с момента прибытия или с начала окна посадки, смотря что позже.
driver-refused-trip-state = Этот шаг не следует из того, в каком состоянии поездка сейчас (её мог изменить диспетчер). На странице поездка показана такой, какая она сейчас.
driver-refused-precondition = Транспортная служба сейчас не приняла этот шаг. На странице поездка показана такой, какая она сейчас.
driver-refused-not-yours = Этой поездки нет в маршруте машины вашей смены, поэтому отмечать её вы не можете.
driver-refused-not-found = Такой поездки нет.

## Dispatcher's board
board-title = Доска диспетчера
board-date-label = День
board-date-show = Показать день
board-error-date = Введите день как дату, например 2026-07-02.
board-refresh = Обновить доску
board-updated = Доска обновлена
board-plan = Спланировать день
board-plan-hint = Планировщик распределяет поездки дня по маршрутам машин. Поездки, которые не может взять ни одна машина, получают отказ. Это может занять до полуминуты.
board-plan-progress = День планируется… Доска покажет, что изменилось.
board-changes-title = Что изменил план
board-changes-scheduled = Поездки, впервые попавшие в маршрут
board-changes-turned-away = Поездки, получившие отказ
board-changes-moved = Поездки, переданные другой машине
board-changes-vehicles = Задействованные машины
board-trips-count = { $n ->
    [one] { $n } поездка
    [few] { $n } поездки
   *[many] { $n } поездок
}
board-vehicles-count = { $n ->
    [one] { $n } машина
    [few] { $n } машины
   *[many] { $n } машин
}
board-measures-title = Показатели дня
board-measure-none = ещё не измерено
board-measure-requested = Заявлено поездок
board-measure-planned = Поездок в маршрутах сейчас
board-measure-waiting = Поездок ждут планирования
board-measure-served = Выполнено поездок
board-measure-denied = Отказано в поездке
board-measure-cancelled = Отменено вовремя
board-measure-late-cancelled = Отменено поздно
board-measure-no-show = Неявки пассажиров
board-measure-on-time = Посадок вовремя
board-measure-on-time-share = Доля посадок вовремя
board-measure-ride-ratio = Время в пути к прямому времени
board-measure-vehicle-hours = Машино-часов на линии
board-measure-per-hour = Поездок на машино-час
board-measure-shared = Доля совместных поездок
board-map-title = Карта маршрутов
board-map-hint = Маршрут каждой машины нарисован своим типом линии и подписан в начале; остановки пронумерованы так же, как в таблице машины ниже.
board-map-label = { $n ->
    [one] Карта маршрута { $n } машины с пронумерованными остановками
   *[other] Карта маршрутов { $n } машин с пронумерованными остановками
}
board-map-none = На этот день маршрутов ещё нет.
board-pattern-0 = сплошная линия
board-pattern-1 = штриховая линия
board-pattern-2 = пунктирная линия
board-pattern-3 = штрихпунктирная линия
board-pattern-4 = редкий пунктир
board-pattern-5 = длинные штрихи
board-routes-title = Маршруты
board-routes-none = Ни у одной машины нет смены в этот день.
board-route-none = Маршрута в этот день нет: на эту машину не запланировано ни одной поездки.
board-route-caption = Маршрут { $vehicle }
board-capacity = мест для колясок: { $wheelchairs }, сидячих мест: { $seats }
board-shift = { $start }–{ $end }, { $driver }
board-shift-no-driver = { $start }–{ $end }
board-shift-line = Смена { $shift }.
board-distance = Плановый пробег { $km } км.
board-col-number = №
board-col-time = Время
board-col-stop = Остановка
board-col-trip = Поездка
board-col-address = Адрес
board-col-load = В машине после остановки
board-col-wait = Время от предыдущей остановки
board-col-needs = Потребности
board-col-actions = Действия
board-col-asked = Заявлено
board-col-reason = Почему не обслужена
board-col-way = Откуда → куда
board-window = окно { $window }
board-stop-unspecified = Остановка
board-stop-depot-start = Выезд из автопарка
board-stop-pickup = Посадка
board-stop-dropoff = Высадка
board-stop-depot-end = Возврат в автопарк
board-load = колясок: { $wheelchairs }, сидячих: { $seats }
board-minutes = { $n } мин
board-needs-wheelchair = коляска
board-needs-escorts = сопровождающих: { $n }
board-asked-pickup = посадка в { $time }
board-asked-arrival = прибытие к { $time }
board-cancel = Отменить поездку
board-cancel-reason = Отменено диспетчером
board-no-show = Пассажир не вышел
board-unserved-title = Необслуженные поездки
board-unserved-none = Все поездки дня в маршрутах.
board-unserved-caption = Не в маршрутах: { $n }
board-assign-link = Назначить машину
board-reason-not-planned = Ещё не запланирована: спланируйте день или назначьте машину.
board-reason-unspecified = Причина не указана.
board-reason-not-eligible = По регистру у пассажира нет права на инватакси.
board-reason-no-capacity = В это время не было свободной машины
board-reason-outside-service-hours = Вне часов работы инватакси.
board-reason-outside-service-area = Вне зоны обслуживания инватакси.
board-reason-other = Другая причина (см. примечание).
board-choose = Выберите…
board-shift-title = Добавить смену
board-shift-lead = Чтобы поставить поездку на машину, у машины должна быть смена водителя, покрывающая часы поездки.
board-shift-vehicle = Машина
board-shift-driver = Учётная запись водителя
board-shift-driver-hint = Имя для входа водителя: по нему водитель получает эту машину на эти часы.
board-shift-driver-name = Имя водителя (необязательно)
board-shift-start = Начало смены
board-shift-end = Конец смены
board-time-hint = Время Казахстана, например 09:00.
board-shift-add = Добавить смену
board-assign-title = Назначить поездку на машину
board-assign-lead = Маршрут машины планируется заново вместе с поездкой; если маршрут не сходится, поездка остаётся, где была.
board-assign-trip = Поездка
board-assign-vehicle = Машина
board-assign-vehicle-hint = Только машины со сменой в этот день.
board-assign = Назначить
board-error-vehicle = Выберите машину.
board-error-trip = Выберите поездку.
board-error-driver = Введите учётную запись водителя.
board-error-driver-long = Не больше { $n } символов, без управляющих символов.
board-error-time = Введите время в часах и минутах, например 09:00.
board-error-end-after-start = Смена должна заканчиваться позже, чем начинается.
board-notice-shift-added = Смена добавлена.
board-notice-assigned = Поездка поставлена в маршрут машины.
board-notice-cancelled = Поездка отменена.
board-notice-late-cancelled = Поездка отменена; это поздняя отмена.
board-notice-no-show = Неявка пассажира записана.
board-refusal-forbidden = Ваша роль позволяет смотреть доску, но не менять её.
board-refusal-assignment = Эта машина не может взять поездку: маршрут не сойдётся (окно посадки, время в пути, места или часы смены). Поездка остаётся, где была.
board-refusal-assignment-no-shift = У этой машины нет смены в этот день, или она не действующее инватакси. Сначала добавьте смену.
board-refusal-trip-state = Состояние поездки уже не позволяет этого.
board-refusal-no-show-wait = Неявку можно записать только после того, как водитель прождал 10 минут от начала окна посадки.
board-refusal-shift-overlap = Смена пересекается с другой сменой этой машины или этого водителя.
board-refusal-day-under-way = Поездки этого дня уже выполняются: назначайте поездки по одной вместо планирования всего дня.
board-refusal-request-reused = Эта форма уже была отправлена. Обновите доску и попробуйте снова.
