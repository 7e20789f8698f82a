from django.contrib import admin

from sessions.models import Attendance, Delegate, Event, Presence, Step, Workshop


class WorkshopInline(admin.TabularInline):
    model = Workshop
    fields = ["title", "join_code", "closed_at"]
    readonly_fields = ["join_code", "closed_at"]
    extra = 0
    show_change_link = True


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "date", "venue", "created_at"]
    list_filter = ["date"]
    search_fields = ["name", "venue"]
    filter_horizontal = ["facilitators"]
    inlines = [WorkshopInline]


class StepInline(admin.TabularInline):
    model = Step
    fields = ["position", "kind", "title"]
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["title", "event", "join_code", "current_step", "closed_at", "created_at"]
    list_filter = ["event", "closed_at"]
    search_fields = ["title", "join_code"]
    readonly_fields = ["join_token", "display_token", "created_at"]
    raw_id_fields = ["current_step"]
    inlines = [StepInline]


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ["title", "workshop", "position", "kind"]
    list_filter = ["kind"]
    search_fields = ["title"]


@admin.register(Delegate)
class DelegateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "event", "created_at"]
    list_filter = ["event"]
    search_fields = ["display_name"]
    exclude = ["key"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["delegate", "workshop", "joined_at"]
    list_filter = ["workshop"]


@admin.register(Presence)
class PresenceAdmin(admin.ModelAdmin):
    list_display = ["delegate", "workshop", "process", "seen_at"]
    list_filter = ["workshop"]
