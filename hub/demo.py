"""Demo data: a board with three people, two rooms, six tasks and a little conversation,
made through the same services as the API, in one write job of the writer, and its posts
through `Posting`, so that every event and notification exists.

Loading twice is a no-op; the passwords are random and shown only by the load that made them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from hub.actors import Actor
from hub.auth.passwords import Passwords
from hub.broker import InProcessBroker
from hub.db.engine import Database
from hub.db.models import Board, User
from hub.errors import Conflict
from hub.events import WEB_ORIGIN
from hub.services.boards import add_board_member, create_board
from hub.services.comments import TASK_COMMENTS
from hub.services.messages import ROOM_MESSAGES
from hub.services.posting import Posting
from hub.services.rooms import create_room
from hub.services.tasks import create_task
from hub.services.unit_of_work import UnitOfWork
from hub.services.users import create_user
from hub.services.writer import Writer

DEMO_BOARD_NAME = "TaskFlow demo"
DEMO_OWNER = "alice"
DEMO_PEOPLE = (("alice", "Alice Anders"), ("bob", "Bob Brandt"), ("carol", "Carol Chen"))
# Only the demo's own short texts are posted; any configured message limit is far above this.
_DEMO_BODY_MAX_BYTES = 4096

# (title, status, assignees, description)
_TASKS = (
    ("Pick a release date", "todo", (), ""),
    ("Write the launch announcement", "todo", ("carol",), "One paragraph, friendly, no jargon."),
    ("Set up the Slack bridge", "in_progress", ("bob",), "Link #launch to the general room."),
    ("Design the notification badge", "in_progress", ("alice", "carol"), ""),
    ("Draft the onboarding checklist", "done", ("alice",), ""),
    ("Name the board", "done", ("bob",), ""),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str


@dataclass(frozen=True)
class DemoSummary:
    """What `load_demo` did; `logins` is empty when the demo was already there."""

    board_id: int
    created: bool
    logins: tuple[DemoLogin, ...] = ()

    def __str__(self) -> str:
        names = ", ".join(name for name, _ in DEMO_PEOPLE)
        if not self.created:
            return (
                f'The demo board "{DEMO_BOARD_NAME}" (board {self.board_id}) is already loaded; '
                f"{names} keep the passwords shown when it was."
            )
        lines = [
            f'Loaded the demo board "{DEMO_BOARD_NAME}" (board {self.board_id}): '
            f"2 rooms, {len(_TASKS)} tasks. Demo logins (shown only this once):"
        ]
        lines += [f"  {login.username:<6} {login.password}" for login in self.logins]
        return "\n".join(lines)


async def load_demo(database: Database, passwords: Passwords) -> DemoSummary:
    """Load the demo in one transaction; Conflict when one of its usernames is already taken
    by someone else (the demo never takes over an existing account). Its people act as they
    would on the dashboard (origin "web"); nobody listens to its events yet."""
    writer = Writer(database, InProcessBroker(), batch_max=1)
    posting = Posting(writer, None, max_bytes=_DEMO_BODY_MAX_BYTES)
    try:
        return await writer.run(lambda unit: _load(unit, posting, passwords), origin=WEB_ORIGIN)
    finally:
        await writer.close()


async def _load(unit: UnitOfWork, posting: Posting, passwords: Passwords) -> DemoSummary:
    session = unit.session
    existing = await session.scalar(
        select(Board.id)
        .join(User, User.id == Board.created_by)
        .where(Board.name == DEMO_BOARD_NAME, User.username_key == DEMO_OWNER)
        .order_by(Board.id)
        .limit(1)
    )
    if existing is not None:
        return DemoSummary(board_id=existing, created=False)
    people: dict[str, Actor] = {}
    logins = []
    for username, display_name in DEMO_PEOPLE:
        password = secrets.token_urlsafe(9)
        try:
            user = await create_user(
                session, passwords, username, password, display_name=display_name
            )
        except Conflict:
            raise Conflict(
                f"cannot load the demo: the username {username!r} is already taken"
            ) from None
        people[username] = Actor(user.id, user.username, user.display_name, is_admin=False)
        logins.append(DemoLogin(username, password))
    board_id = await _fill_board(unit, posting, people)
    return DemoSummary(board_id=board_id, created=True, logins=tuple(logins))


async def _fill_board(unit: UnitOfWork, posting: Posting, people: dict[str, Actor]) -> int:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    board = await create_board(
        unit,
        alice,
        name=DEMO_BOARD_NAME,
        description="A sample board: chat in the rooms, comment on tasks, @mention each other.",
    )
    board_id = int(board["id"])
    for person in (bob, carol):
        await add_board_member(unit, alice, board_id, person.username)
    general = await create_room(
        unit,
        alice,
        board_id,
        name="general",
        description="Everything about the launch.",
        members=["bob", "carol"],
    )
    design = await create_room(
        unit, carol, board_id, name="design", description="Sketches and reviews.", members=["alice"]
    )
    tasks = {}
    for title, status, assignees, description in _TASKS:
        task = await create_task(
            unit,
            alice,
            board_id,
            title=title,
            status=status,
            assignees=assignees,
            description=description,
        )
        tasks[title] = int(task["id"])
    conversation = (
        (alice, general["id"], "Welcome to the demo board! @bob, how is the Slack bridge going?"),
        (bob, general["id"], "Nearly there. @carol, the badge sketches look great."),
        (carol, design["id"], "New **notification badge** sketches are up. @alice, thoughts?"),
    )
    for person, room_id, body in conversation:
        await posting.new_post(ROOM_MESSAGES, room_id, body, actor=person, origin=WEB_ORIGIN)(unit)
    await posting.new_post(
        TASK_COMMENTS,
        tasks["Set up the Slack bridge"],
        "Waiting for the bot token; I will finish this tomorrow.",
        actor=bob,
        origin=WEB_ORIGIN,
    )(unit)
    return board_id
