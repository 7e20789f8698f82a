"""Every HTTP route of the app, grouped by feature package; views live in each package's
`views.py`."""

from django.urls import path

import sessions.converters  # noqa: F401  (registers <token:...>)
from sessions.agenda import views as agenda
from sessions.archive import views as archive
from sessions.cloud import views as cloud
from sessions.commitments import dashboard
from sessions.commitments import views as commitments
from sessions.editions import views as editions
from sessions.ideas import views as ideas
from sessions.joining import views as joining
from sessions.live import views as live
from sessions.peers import views as peers
from sessions.privacy import views as privacy
from sessions.pulse import views as pulse
from sessions.questions import views as questions
from sessions.rehearsal import views as rehearsal
from sessions.remote import views as remote
from sessions.report import views as report
from sessions.runsheets import views as runsheets
from sessions.snapshot import views as snapshot
from sessions.takehome import views as takehome
from sessions.team import views as team
from sessions.timer import views as timer
from sessions.voting import views as voting

app_name = "workshops"

urlpatterns = [
    path("", joining.home, name="home"),
    # Delegates
    path("join", joining.join_with_code, name="join"),
    path("j/<token:token>/", joining.join_link, name="join_link"),
    path("w/<int:workshop_id>/", joining.phone, name="phone"),
    path("w/<int:workshop_id>/live/", joining.phone_live, name="phone_live"),
    path("w/<int:workshop_id>/ballot/", voting.ballot, name="ballot"),
    path("w/<int:workshop_id>/vote/", voting.vote, name="vote"),
    path("w/<int:workshop_id>/ideas/", ideas.my_ideas, name="my_ideas"),
    path("w/<int:workshop_id>/ideas/send/", ideas.idea_send, name="idea_send"),
    path("w/<int:workshop_id>/commitments/", commitments.my_commitments, name="my_commitments"),
    path("w/<int:workshop_id>/commitments/new/", commitments.commit, name="commit"),
    path(
        "w/<int:workshop_id>/commitments/peers/",
        commitments.peers_opt_in,
        name="peers_opt_in",
    ),
    path("w/<int:workshop_id>/questions/ask/", questions.question_ask, name="question_ask"),
    path(
        "w/<int:workshop_id>/questions/upvote/", questions.question_upvote, name="question_upvote"
    ),
    path("w/<int:workshop_id>/take-home/", takehome.take_home, name="take_home"),
    path(
        "w/<int:workshop_id>/take-home/<int:commitment_id>/<str:which>.ics",
        takehome.take_home_ics,
        name="take_home_ics",
    ),
    path(
        "w/<int:workshop_id>/back/<token:token>/",
        takehome.take_home_link,
        name="take_home_link",
    ),
    path(
        "w/<int:workshop_id>/back/<token:token>/<int:commitment_id>/<str:which>.ics",
        takehome.take_home_link_ics,
        name="take_home_link_ics",
    ),
    # After the event: check-ins and a delegate's own data (no login)
    path("c/<int:commitment_id>/<token:token>/", commitments.check_in, name="check_in"),
    path("c/<int:commitment_id>/<token:token>/peers/", peers.peers_page, name="peers"),
    path("c/<int:commitment_id>/<token:token>/peers/answer/", peers.answer, name="peers_answer"),
    path(
        "c/<int:commitment_id>/<token:token>/peers/withdraw/",
        peers.withdraw,
        name="peers_withdraw",
    ),
    path("c/<int:commitment_id>/<token:token>/bring/", editions.bring_back, name="bring_back"),
    path("me/<token:token>/", privacy.my_data_link, name="my_data_link"),
    path(
        "me/<token:token>/download/",
        privacy.my_data_link_download,
        name="my_data_link_download",
    ),
    path("me/<token:token>/erase/", privacy.my_data_link_erase, name="my_data_link_erase"),
    path("e/<int:event_id>/my-data/", privacy.my_data, name="my_data"),
    path("e/<int:event_id>/my-data/download/", privacy.my_data_download, name="my_data_download"),
    path("e/<int:event_id>/my-data/erase/", privacy.my_data_erase, name="my_data_erase"),
    path("privacy/", privacy.privacy_request, name="privacy_request"),
    path("w/<int:workshop_id>/ideas/theme/", ideas.suggest_theme, name="suggest_theme"),
    path("w/<int:workshop_id>/ideas/plus-one/", ideas.plus_one, name="plus_one"),
    # Projector
    path("display/<token:token>/", live.display, name="display"),
    path("display/<token:token>/live/", live.display_live, name="display_live"),
    # Facilitator console
    path("console/", agenda.console_home, name="console_home"),
    path("console/events/<int:event_id>/workshops/new/", agenda.workshop_new, name="workshop_new"),
    path("console/workshops/<int:workshop_id>/", agenda.console, name="console"),
    path("console/workshops/<int:workshop_id>/live/", agenda.console_live, name="console_live"),
    path("console/workshops/<int:workshop_id>/steps/", agenda.step_add, name="step_add"),
    path(
        "console/workshops/<int:workshop_id>/steps/<int:step_id>/edit/",
        agenda.step_edit,
        name="step_edit",
    ),
    path(
        "console/workshops/<int:workshop_id>/steps/<int:step_id>/delete/",
        agenda.step_delete,
        name="step_delete",
    ),
    path(
        "console/workshops/<int:workshop_id>/steps/<int:step_id>/move/",
        agenda.step_move,
        name="step_move",
    ),
    path("console/workshops/<int:workshop_id>/show/", agenda.show, name="show"),
    path(
        "console/workshops/<int:workshop_id>/questions/",
        questions.question_switch,
        name="question_switch",
    ),
    path(
        "console/workshops/<int:workshop_id>/questions/<int:question_id>/",
        questions.question_moderate,
        name="question_moderate",
    ),
    path(
        "console/workshops/<int:workshop_id>/questions/<int:question_id>/edit/",
        questions.question_edit,
        name="question_edit",
    ),
    path(
        "console/workshops/<int:workshop_id>/join-code/",
        agenda.join_code_renew,
        name="join_code_renew",
    ),
    path(
        "console/workshops/<int:workshop_id>/joining/",
        agenda.joining_shown,
        name="joining_shown",
    ),
    path(
        "console/workshops/<int:workshop_id>/display/revoke/",
        agenda.display_revoke,
        name="display_revoke",
    ),
    path("console/workshops/<int:workshop_id>/close/", agenda.close, name="close"),
    # Run sheets
    path("console/run-sheets/", runsheets.run_sheets, name="run_sheets"),
    path("console/run-sheets/import/", runsheets.run_sheet_import, name="run_sheet_import"),
    path(
        "console/run-sheets/<int:sheet_id>/edit/", runsheets.run_sheet_edit, name="run_sheet_edit"
    ),
    path(
        "console/run-sheets/<int:sheet_id>/delete/",
        runsheets.run_sheet_delete,
        name="run_sheet_delete",
    ),
    path(
        "console/run-sheets/<int:sheet_id>/share/",
        runsheets.run_sheet_share,
        name="run_sheet_share",
    ),
    path(
        "console/run-sheets/<int:sheet_id>/run-sheet.json",
        runsheets.run_sheet_download,
        name="run_sheet_download",
    ),
    path(
        "console/workshops/<int:workshop_id>/run-sheet/",
        runsheets.workshop_sheet,
        name="workshop_sheet",
    ),
    path(
        "console/workshops/<int:workshop_id>/run-sheet/save/",
        runsheets.workshop_sheet_save,
        name="workshop_sheet_save",
    ),
    path(
        "console/workshops/<int:workshop_id>/run-sheet.json",
        runsheets.workshop_sheet_export,
        name="workshop_sheet_export",
    ),
    path(
        "console/workshops/<int:workshop_id>/duplicate/",
        runsheets.workshop_duplicate,
        name="workshop_duplicate",
    ),
    path(
        "console/workshops/<int:workshop_id>/run-sheet/import-steps/",
        runsheets.workshop_steps_import,
        name="workshop_steps_import",
    ),
    path("console/workshops/<int:workshop_id>/timer/", timer.timer_start, name="timer_start"),
    path(
        "console/workshops/<int:workshop_id>/timer/minute/",
        timer.timer_add_minute,
        name="timer_add_minute",
    ),
    path("console/workshops/<int:workshop_id>/timer/stop/", timer.timer_stop, name="timer_stop"),
    path(
        "console/workshops/<int:workshop_id>/polls/<int:poll_id>/",
        voting.poll_control,
        name="poll_control",
    ),
    path(
        "console/workshops/<int:workshop_id>/steps/<int:step_id>/names/",
        commitments.commit_names,
        name="commit_names",
    ),
    path("console/rehearsals/", rehearsal.rehearsals, name="rehearsals"),
    path("console/rehearsals/<int:rehearsal_id>/", rehearsal.rehearsal, name="rehearsal"),
    path("console/events/<int:event_id>/dashboard/", dashboard.dashboard, name="dashboard"),
    path(
        "w/<int:workshop_id>/returned/<int:return_id>/",
        editions.close_returned,
        name="close_returned",
    ),
    # Editions: an event's series, its challenge mapping and the comparison with the last
    path("console/events/<int:event_id>/series/", editions.series, name="series"),
    path("console/events/<int:event_id>/series/join/", editions.series_join, name="series_join"),
    path(
        "console/events/<int:event_id>/series/mapping/",
        editions.series_mapping,
        name="series_mapping",
    ),
    path(
        "console/events/<int:event_id>/editions/",
        editions.compare_editions,
        name="editions_compare",
    ),
    path(
        "console/events/<int:event_id>/dashboard/commitments.csv",
        dashboard.dashboard_csv,
        name="dashboard_csv",
    ),
    path("console/events/<int:event_id>/report/", report.event_report, name="event_report"),
    path(
        "console/events/<int:event_id>/report/report.zip",
        report.event_report_csv,
        name="event_report_csv",
    ),
    # The report over a series' editions, for whoever is on the team of every edition.
    path("console/series/<int:series_id>/report/", report.series_report_page, name="series_report"),
    path(
        "console/series/<int:series_id>/report/report.zip",
        report.series_report_csv,
        name="series_report_csv",
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
    path(
        "console/workshops/<int:workshop_id>/boards/<int:board_id>/suggestions/",
        ideas.suggestion_decide,
        name="suggestion_decide",
    ),
    # An event's team: facilitators and organisers
    path("console/events/<int:event_id>/team/", team.team, name="team"),
    path("console/events/<int:event_id>/team/add/", team.team_add, name="team_add"),
    path("console/events/<int:event_id>/team/invite/", team.team_invite, name="team_invite"),
    path(
        "console/events/<int:event_id>/team/invitations/<int:invitation_id>/revoke/",
        team.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "console/events/<int:event_id>/team/members/<int:user_id>/remove/",
        team.team_remove,
        name="team_remove",
    ),
    path("team/<token:token>/", team.invitation, name="team_invitation"),
    # The Productivity Snapshot
    path("s/<token:token>/", snapshot.invite, name="snapshot_invite"),
    path("snapshot/<token:token>/", snapshot.resume, name="snapshot_resume"),
    path("snapshot/<token:token>/q/<int:number>/", snapshot.item, name="snapshot_item"),
    path("snapshot/<token:token>/about/", snapshot.about, name="snapshot_about"),
    path("snapshot/<token:token>/challenges/", snapshot.challenges, name="snapshot_challenges"),
    path("snapshot/<token:token>/results/", snapshot.results, name="snapshot_results"),
    path("snapshot/<token:token>/retake/", snapshot.retake, name="snapshot_retake"),
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
    path("archive/<token:token>/", archive.archive_shared, name="archive_shared"),
    path("archive/<token:token>/print/", archive.archive_shared_print, name="archive_shared_print"),
    # --- the facilitator's remote ---
    path("console/workshops/<int:workshop_id>/remote/", remote.remote, name="remote"),
    path(
        "console/workshops/<int:workshop_id>/remote/live/", remote.remote_live, name="remote_live"
    ),
    path("console/workshops/<int:workshop_id>/remote/go/", remote.remote_go, name="remote_go"),
    path(
        "console/workshops/<int:workshop_id>/remote/timer/",
        remote.remote_timer,
        name="remote_timer",
    ),
    path(
        "console/workshops/<int:workshop_id>/remote-link/",
        remote.remote_link_make,
        name="remote_link_make",
    ),
    path(
        "console/workshops/<int:workshop_id>/remote-link/revoke/",
        remote.remote_link_revoke,
        name="remote_link_revoke",
    ),
    path("remote/<token:token>/", remote.remote_link, name="remote_link"),
    path("remote/<token:token>/live/", remote.remote_link_live, name="remote_link_live"),
    path("remote/<token:token>/go/", remote.remote_link_go, name="remote_link_go"),
    path("remote/<token:token>/timer/", remote.remote_link_timer, name="remote_link_timer"),
    # --- the word cloud ---
    path("w/<int:workshop_id>/cloud/", cloud.my_words, name="my_words"),
    path("w/<int:workshop_id>/cloud/words/", cloud.send_words, name="cloud_words"),
    path("w/<int:workshop_id>/cloud/withdraw/", cloud.withdraw_word, name="cloud_withdraw"),
    path(
        "console/workshops/<int:workshop_id>/clouds/<int:cloud_id>/",
        cloud.cloud_control,
        name="cloud_control",
    ),
    path(
        "console/workshops/<int:workshop_id>/clouds/<int:cloud_id>/words/",
        cloud.cloud_moderate,
        name="cloud_moderate",
    ),
]
