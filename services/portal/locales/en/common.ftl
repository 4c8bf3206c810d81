## Layout
site-name = Onaltu: rehabilitation services
skip-to-content = Skip to main content
nav-main = Main menu
nav-language = Language
nav-centres = Centres and ratings
nav-methodology = How the rating works
nav-my-services = My services
nav-my-evaluations = My evaluations
nav-my-complaints = My complaints
nav-my-trips = My invataxi trips
nav-dispatch = Dispatch board
nav-driver = My day
nav-moderation = Moderation
nav-complaints = Complaints
nav-coordinator = Figures and ratings
nav-staff = My centre
sign-in = Sign in
sign-out = Sign out
footer-about = Onaltu is the city's service for persons with disabilities and their families: rehabilitation centres, their rating, feedback and invataxi.

## Errors
error-sign-in-title = Sign in to continue
error-sign-in = This page shows your own information. Sign in to see it.
error-forbidden-title = You cannot open this page
error-forbidden = Your account does not give access to this page.
error-not-found-title = Page not found
error-not-found = There is no such page or record. Check the address, or start from the list of centres.
error-unavailable-title = Sorry, the service is unavailable
error-unavailable = Part of the service is not answering right now. Nothing you sent was lost; try again in a few minutes.
error-csrf-title = The form has expired
error-csrf = The form was sent from an old or foreign page. Open the page again and send the form once more.
error-bad-request-title = The request could not be understood
error-bad-request = The address or the form is not complete. Open the page again from the menu.
error-internal-title = Sorry, something went wrong
error-internal = The page could not be shown because of a fault on our side. Try again later.
error-back-home = Go to the list of centres

## Forms
title-with-errors = Error: { $title }
error-prefix = Error:
form-errors-title = There is a problem
