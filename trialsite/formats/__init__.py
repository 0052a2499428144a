"""The trial's date and time formats, whatever the language (settings.FORMAT_MODULE_PATH).

One way everywhere: day/month/year, 24-hour clock. Django's own English formats would read
03/04/2026 as 4 March for an American locale and print "2 Dec 2026, 8:38 p.m."; French
coordinators and English readers of the same casebook must see and type the same date.
The ISO forms stay accepted (API clients, a browser's autofill, tests).
"""
