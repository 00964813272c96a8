"""What chat knows of accounts: token versions and deletions followed from auth's feed."""

from parley_chat.accounts.feed import AccountChange, AccountFeed, FeedPage, FeedUnavailable
from parley_chat.accounts.follower import AccountFollower, FollowerStatus
from parley_chat.accounts.states import AccountState, AccountStates

__all__ = [
    "AccountChange",
    "AccountFeed",
    "AccountFollower",
    "AccountState",
    "AccountStates",
    "FeedPage",
    "FeedUnavailable",
    "FollowerStatus",
]
