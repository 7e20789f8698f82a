from django.urls import path

from sessions.views import archive, console, delegate, display, ideas, pulse

app_name = "workshops"

urlpatterns = [
    path("", delegate.home, name="home"),
    # Delegates
    path("join", delegate.join_with_code, name="join"),
    path("j/<str:token>/", delegate.join_link, name="join_link"),
    path("w/<int:workshop_id>/", delegate.phone, name="phone"),
    path("w/<int:workshop_id>/live/", delegate.phone_live, name="phone_live"),
    path("w/<int:workshop_id>/ballot/", delegate.ballot, name="ballot"),
    path("w/<int:workshop_id>/vote/", delegate.vote, name="vote"),
    path("w/<int:workshop_id>/ideas/", ideas.my_ideas, name="my_ideas"),
    path("w/<int:workshop_id>/ideas/send/", ideas.idea_send, name="idea_send"),
    # Projector
    path("display/<str:token>/", display.display, name="display"),
    path("display/<str:token>/live/", display.display_live, name="display_live"),
    # Facilitator console
    path("console/", console.console_home, name="console_home"),
    path("console/events/<int:event_id>/workshops/new/", console.workshop_new, name="workshop_new"),
    path("console/workshops/<int:workshop_id>/", console.console, name="console"),
    path("console/workshops/<int:workshop_id>/live/", console.console_live, name="console_live"),
    path("console/workshops/<int:workshop_id>/steps/", console.step_add, name="step_add"),
    path(
        "console/workshops/<int:workshop_id>/steps/<int:step_id>/edit/",
        console.step_edit,
        name="step_edit",
    ),
    path(
        "console/workshops/<int:workshop_id>/steps/<int:step_id>/delete/",
        console.step_delete,
        name="step_delete",
    ),
    path(
        "console/workshops/<int:workshop_id>/steps/<int:step_id>/move/",
        console.step_move,
        name="step_move",
    ),
    path("console/workshops/<int:workshop_id>/show/", console.show, name="show"),
    path(
        "console/workshops/<int:workshop_id>/join-code/",
        console.join_code_renew,
        name="join_code_renew",
    ),
    path(
        "console/workshops/<int:workshop_id>/display/revoke/",
        console.display_revoke,
        name="display_revoke",
    ),
    path("console/workshops/<int:workshop_id>/close/", console.close, name="close"),
    path(
        "console/workshops/<int:workshop_id>/polls/<int:poll_id>/",
        console.poll_control,
        name="poll_control",
    ),
    path(
        "console/workshops/<int:workshop_id>/boards/<int:board_id>/",
        ideas.board_command,
        name="board_command",
    ),
    path(
        "console/workshops/<int:workshop_id>/boards/<int:board_id>/suggest/",
        ideas.board_suggest,
        name="board_suggest",
    ),
    # --- the pulse, finishing, the archive and exports ---
    path("w/<int:workshop_id>/pulse/", pulse.my_pulse, name="my_pulse"),
    path("w/<int:workshop_id>/pulse/answer/", pulse.pulse_answer, name="pulse_answer"),
    path(
        "console/workshops/<int:workshop_id>/pulses/<int:pulse_id>/",
        pulse.pulse_control,
        name="pulse_control",
    ),
    path("console/workshops/<int:workshop_id>/finish/", pulse.finish, name="finish"),
    path(
        "console/workshops/<int:workshop_id>/finish/pulse/",
        pulse.pulse_first,
        name="pulse_first",
    ),
    path("console/workshops/<int:workshop_id>/archive/", archive.archive, name="archive"),
    path(
        "console/workshops/<int:workshop_id>/archive/print/",
        archive.archive_print,
        name="archive_print",
    ),
    path(
        "console/workshops/<int:workshop_id>/archive/share/",
        archive.archive_share,
        name="archive_share",
    ),
    path(
        "console/workshops/<int:workshop_id>/exports/all.zip",
        archive.export_zip,
        name="export_zip",
    ),
    path(
        "console/workshops/<int:workshop_id>/exports/<slug:kind>.csv",
        archive.export_csv,
        name="export_csv",
    ),
    path("archive/<str:token>/", archive.archive_shared, name="archive_shared"),
    path("archive/<str:token>/print/", archive.archive_shared_print, name="archive_shared_print"),
]
