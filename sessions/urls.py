from django.urls import path

from sessions.views import console, delegate, display, ideas, snapshot

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
    # The Productivity Snapshot
    path("s/<str:token>/", snapshot.invite, name="snapshot_invite"),
    path("snapshot/<str:token>/", snapshot.resume, name="snapshot_resume"),
    path("snapshot/<str:token>/q/<int:number>/", snapshot.item, name="snapshot_item"),
    path("snapshot/<str:token>/about/", snapshot.about, name="snapshot_about"),
    path("snapshot/<str:token>/challenges/", snapshot.challenges, name="snapshot_challenges"),
    path("snapshot/<str:token>/results/", snapshot.results, name="snapshot_results"),
    path("snapshot/<str:token>/retake/", snapshot.retake, name="snapshot_retake"),
    path(
        "console/events/<int:event_id>/snapshot/",
        snapshot.organiser,
        name="snapshot_organiser",
    ),
    path(
        "console/events/<int:event_id>/snapshot/export/",
        snapshot.export,
        name="snapshot_export",
    ),
]
