from django.contrib import admin

from .models import AuditEvent, CalendarDay

admin.site.register(AuditEvent)
admin.site.register(CalendarDay)
