## Layout
site-name = Оңалту: услуги реабилитации
skip-to-content = Перейти к основному содержанию
nav-main = Главное меню
nav-language = Язык
nav-centres = Центры и рейтинг
nav-methodology = Как устроен рейтинг
nav-my-services = Мои услуги
nav-my-evaluations = Мои оценки
nav-my-complaints = Мои жалобы
nav-my-trips = Мои поездки на инватакси
nav-dispatch = Диспетчерская
nav-driver = Мой день
nav-moderation = Модерация
nav-complaints = Жалобы
nav-coordinator = Показатели и рейтинг
nav-staff = Мой центр
sign-in = Войти
sign-out = Выйти
footer-about = Оңалту — городской сервис для людей с инвалидностью и их семей: реабилитационные центры, их рейтинг, отзывы и инватакси.

## Errors
error-sign-in-title = Войдите, чтобы продолжить
error-sign-in = На этой странице ваши личные сведения. Войдите, чтобы их увидеть.
error-forbidden-title = Эта страница вам недоступна
error-forbidden = Ваша учётная запись не даёт доступа к этой странице.
error-not-found-title = Страница не найдена
error-not-found = Такой страницы или записи нет. Проверьте адрес или начните со списка центров.
error-unavailable-title = Извините, сервис недоступен
error-unavailable = Часть сервиса сейчас не отвечает. Отправленное вами не потеряно; попробуйте через несколько минут.
error-csrf-title = Срок действия формы истёк
error-csrf = Форма отправлена со старой или чужой страницы. Откройте страницу заново и отправьте форму ещё раз.
error-bad-request-title = Запрос не понят
error-bad-request = Адрес или форма неполные. Откройте страницу заново из меню.
error-internal-title = Извините, что-то пошло не так
error-internal = Страницу не удалось показать из-за сбоя на нашей стороне. Попробуйте позже.
error-back-home = К списку центров

## Forms
title-with-errors = Ошибка: { $title }
error-prefix = Ошибка:
form-errors-title = Есть ошибки
