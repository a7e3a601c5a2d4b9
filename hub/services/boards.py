"""Boards and their members: create (`BoardIn` is the command the API and the dashboard
validate), list, look up, add people; the member search that @mention autocomplete uses for
boards and rooms alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Actor
from hub.db.models import BOARD_NAME_MAX, DESCRIPTION_MAX, STATUS_MAX, Board, BoardMember, User
from hub.db.types import iso, utcnow
from hub.errors import Conflict, Invalid
from hub.events import BoardId, BoardMemberAdded
from hub.services.access import Role, board_role, require_board_owner, visible_board
from hub.services.authors import Author
from hub.services.commands import NOT_BLANK, TRIMMED, Request
from hub.services.notifications import Target, notify
from hub.services.pagination import PageRequest, fetch_page
from hub.services.unit_of_work import UnitOfWork
from hub.services.users import users_by_names

DEFAULT_COLUMNS = ("todo", "in_progress", "done")


def board_json(board: Board, role: Role | None) -> dict[str, Any]:
    return {
        "id": board.id,
        "name": board.name,
        "description": board.description,
        "columns": list(board.columns),
        "role": role,
        "created_at": iso(board.created_at),
    }


def board_member_json(user: User, role: str) -> dict[str, Any]:
    return {"username": user.username, "display_name": user.display_name, "role": role}


def name_starts_with(prefix: str) -> ColumnElement[bool]:
    """Users whose username or display name starts with `prefix`, ignoring case."""
    key = prefix.lower()
    return or_(
        User.username_key.startswith(key, autoescape=True),
        func.lower(User.display_name).startswith(key, autoescape=True),
    )


async def flush_or_conflict(session: AsyncSession, conflict: Conflict) -> None:
    """Flush new rows; a unique constraint lost to a concurrent writer becomes `conflict`."""
    try:
        await session.flush()
    except IntegrityError:
        raise conflict from None


async def board_members_named(
    session: AsyncSession, board_id: int, usernames: Sequence[str], *, field: str
) -> list[User]:
    """The users named (any spelling), each of whom must be a member of the board."""
    users = await users_by_names(session, usernames, field=field)
    if not users:
        return []
    members = set(
        await session.scalars(
            select(BoardMember.user_id).where(
                BoardMember.board_id == board_id,
                BoardMember.user_id.in_([user.id for user in users]),
            )
        )
    )
    for user in users:
        if user.id not in members:
            raise Invalid(f"{field}: {user.username} is not a member of this board", field=field)
    return users


async def list_boards(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> tuple[list[dict[str, Any]], int | None]:
    """The boards `actor` is a member of; every board for an admin."""
    mine = and_(BoardMember.board_id == Board.id, BoardMember.user_id == actor.id)
    statement = select(Board, BoardMember.role)
    statement = (
        statement.outerjoin(BoardMember, mine)
        if actor.is_admin
        else statement.join(BoardMember, mine)
    )
    rows, next_cursor = await fetch_page(session, statement, Board.id, page)
    return [board_json(board, role) for board, role in rows], next_cursor


async def get_board(session: AsyncSession, actor: Actor, board_id: int) -> dict[str, Any]:
    view = await visible_board(session, actor, board_id)
    return board_json(view.board, view.role)


COLUMNS_MAX = 20
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX), TRIMMED]
BoardName = Annotated[str, StringConstraints(min_length=1, max_length=BOARD_NAME_MAX), NOT_BLANK]
ColumnName = Annotated[str, StringConstraints(pattern=rf"^[a-z0-9_]{{1,{STATUS_MAX}}}$")]


# POST /api/v1/boards and the dashboard's new-board form both validate with this.
class BoardIn(Request):
    name: BoardName
    description: Description = ""
    columns: Annotated[
        list[ColumnName],
        Field(min_length=1, max_length=COLUMNS_MAX, json_schema_extra={"uniqueItems": True}),
    ] = Field(default_factory=lambda: list(DEFAULT_COLUMNS))

    @field_validator("columns")
    @classmethod
    def _distinct(cls, columns: list[str]) -> list[str]:
        if len(set(columns)) != len(columns):
            raise ValueError("column names must be distinct")
        return columns


async def create_board(
    unit: UnitOfWork,
    actor: Actor,
    *,
    name: str,
    description: str = "",
    columns: Sequence[str] = DEFAULT_COLUMNS,
) -> dict[str, Any]:
    """A new board owned by its creator (no event: nobody can follow a board not yet made)."""
    session = unit.session
    board = Board(
        name=name,
        description=description,
        columns=list(columns),
        created_by=actor.id,
        created_at=utcnow(),
    )
    session.add(board)
    await session.flush()
    session.add(BoardMember(board_id=board.id, user_id=actor.id, role="owner"))
    await session.flush()
    return board_json(board, "owner")


async def list_board_members(
    session: AsyncSession, actor: Actor, board_id: int, prefix: str, page: PageRequest
) -> tuple[list[dict[str, Any]], int | None]:
    await visible_board(session, actor, board_id)
    statement = (
        select(BoardMember, User)
        .join(User, User.id == BoardMember.user_id)
        .where(BoardMember.board_id == board_id)
    )
    if prefix:
        statement = statement.where(name_starts_with(prefix))
    rows, next_cursor = await fetch_page(session, statement, BoardMember.id, page)
    return [board_member_json(user, member.role) for member, user in rows], next_cursor


async def add_board_member(
    unit: UnitOfWork, actor: Actor, board_id: int, username: str, role: Role = "member"
) -> dict[str, Any]:
    """Put a person on a board (owners and admins only); every way onto a board comes here
    except creating it, so this is where being added is announced."""
    session = unit.session
    board = (await require_board_owner(session, actor, board_id)).board
    (user,) = await users_by_names(session, [username], field="username")
    taken = Conflict(f"{user.username} is already a member of this board", field="username")
    if await board_role(session, board.id, user.id) is not None:
        raise taken
    session.add(BoardMember(board_id=board.id, user_id=user.id, role=role))
    await flush_or_conflict(session, taken)
    member = board_member_json(user, role)
    await unit.record(BoardMemberAdded(BoardId(board.id), {**member, "board": board.id}))
    await notify(
        unit,
        [user.id],
        kind="added_to_board",
        actor=Author.of(actor),
        target=Target("board", board.id, board_id=board.id),
        snippet=board.name,
    )
    return member
