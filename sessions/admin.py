"""The Django admin: every table, read mostly, for an organiser's support staff."""

from django.contrib import admin

from sessions.models import (
    Attendance,
    Board,
    Cluster,
    ClusterUndo,
    Delegate,
    Event,
    Idea,
    Step,
    Workshop,
)


class WorkshopInline(admin.TabularInline[Workshop, Event]):
    model = Workshop
    fields = ["title", "join_code", "closed_at"]
    readonly_fields = ["join_code", "closed_at"]
    extra = 0
    show_change_link = True


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = ["name", "date", "venue", "created_at"]
    list_filter = ["date"]
    search_fields = ["name", "venue"]
    filter_horizontal = ["facilitators", "organisers"]
    inlines = [WorkshopInline]


class StepInline(admin.TabularInline[Step, Workshop]):
    model = Step
    fields = ["position", "kind", "title"]
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin[Workshop]):
    list_display = ["title", "event", "join_code", "current_step", "closed_at", "created_at"]
    list_filter = ["event", "closed_at"]
    search_fields = ["title", "join_code"]
    readonly_fields = ["join_token", "display_token", "created_at"]
    raw_id_fields = ["current_step"]
    inlines = [StepInline]


@admin.register(Step)
class StepAdmin(admin.ModelAdmin[Step]):
    list_display = ["title", "workshop", "position", "kind"]
    list_filter = ["kind"]
    search_fields = ["title"]


@admin.register(Delegate)
class DelegateAdmin(admin.ModelAdmin[Delegate]):
    list_display = ["__str__", "event", "created_at"]
    list_filter = ["event"]
    search_fields = ["display_name"]
    exclude = ["key"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin[Attendance]):
    list_display = ["delegate", "workshop", "joined_at"]
    list_filter = ["workshop"]


class ClusterInline(admin.TabularInline[Cluster, Board]):
    model = Cluster
    fields = ["position", "name"]
    extra = 0


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin[Board]):
    list_display = ["prompt", "step", "is_open", "show_names", "needs_approval", "staged"]
    list_filter = ["is_open", "staged"]
    search_fields = ["prompt", "step__title"]
    raw_id_fields = ["step"]
    inlines = [ClusterInline]


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin[Idea]):
    list_display = ["text", "board", "status", "author_name", "cluster", "edited", "created_at"]
    list_filter = ["status", "edited"]
    search_fields = ["text"]
    raw_id_fields = ["board", "delegate", "merged_into", "cluster"]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin[Cluster]):
    list_display = ["name", "board", "position", "created_at"]
    search_fields = ["name"]
    raw_id_fields = ["board"]


@admin.register(ClusterUndo)
class ClusterUndoAdmin(admin.ModelAdmin[ClusterUndo]):
    list_display = ["label", "board", "created_at"]
    raw_id_fields = ["board"]
