//! Group posts and their replies.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use hearth_domain::account::AccountId;
use hearth_domain::group::GroupId;
use hearth_domain::membership::MembershipId;
use hearth_domain::post::{Post, PostId};

use crate::ids::parse_id;
use crate::schema::{accounts, group_memberships, group_posts};
use crate::time::{from_db, to_db};
use crate::{DbConnection, PersistenceError};

type PostRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i32,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<String>,
);

fn post(row: PostRow) -> Result<Post, PersistenceError> {
    let (
        id,
        group,
        parent,
        author,
        author_name,
        body,
        replies,
        created,
        edited,
        deleted,
        hidden,
        author_member,
    ) = row;
    Ok(Post {
        id: PostId(parse_id(&id, "post")?),
        group: GroupId(parse_id(&group, "group")?),
        parent: parent
            .map(|parent| parse_id(&parent, "post").map(PostId))
            .transpose()?,
        author: author
            .map(|author| parse_id(&author, "account").map(AccountId))
            .transpose()?,
        author_name,
        body,
        reply_count: u32::try_from(replies).unwrap_or_default(),
        created_at: from_db(created),
        edited_at: edited.map(from_db),
        deleted_at: deleted.map(from_db),
        hidden_at: hidden.map(from_db),
        author_member: author_member
            .map(|member| parse_id(&member, "membership").map(MembershipId))
            .transpose()?,
    })
}

/// Posts with their author's name and membership of the group.
macro_rules! posts_with_authors {
    () => {
        group_posts::table
            .left_join(accounts::table.on(group_posts::author_id.eq(accounts::id.nullable())))
            .left_join(
                group_memberships::table.on(group_memberships::group_id
                    .eq(group_posts::group_id)
                    .and(
                        group_memberships::account_id
                            .nullable()
                            .eq(group_posts::author_id),
                    )),
            )
    };
}

macro_rules! post_columns {
    () => {
        (
            group_posts::id,
            group_posts::group_id,
            group_posts::parent_id,
            group_posts::author_id,
            accounts::display_name.nullable(),
            group_posts::body,
            group_posts::reply_count,
            group_posts::created_at,
            group_posts::edited_at,
            group_posts::deleted_at,
            group_posts::hidden_at,
            group_memberships::id.nullable(),
        )
    };
}

/// Stores a new post or reply; a reply counts on its post while it stands.
pub fn insert(c: &mut DbConnection, post: &Post) -> Result<(), PersistenceError> {
    diesel::insert_into(group_posts::table)
        .values((
            group_posts::id.eq(post.id.to_string()),
            group_posts::group_id.eq(post.group.to_string()),
            group_posts::parent_id.eq(post.parent.map(|parent| parent.to_string())),
            group_posts::author_id.eq(post.author.map(|author| author.to_string())),
            group_posts::body.eq(&post.body),
            group_posts::reply_count.eq(0),
            group_posts::created_at.eq(to_db(post.created_at)),
        ))
        .execute(c)?;
    if let Some(parent) = post.parent {
        diesel::update(group_posts::table.find(parent.to_string()))
            .set(group_posts::reply_count.eq(group_posts::reply_count + 1))
            .execute(c)?;
    }
    Ok(())
}

/// The post or reply with this id, with its author's display name.
pub fn get(c: &mut DbConnection, id: PostId) -> Result<Post, PersistenceError> {
    let row: Option<PostRow> = posts_with_authors!()
        .filter(group_posts::id.eq(id.to_string()))
        .select(post_columns!())
        .first(c)
        .optional()?;
    post(row.ok_or_else(|| PersistenceError::NotFound {
        entity: "post",
        id: id.to_string(),
    })?)
}

/// The posts with these ids that exist, in no particular order.
pub fn get_many(c: &mut DbConnection, ids: &[PostId]) -> Result<Vec<Post>, PersistenceError> {
    let rows: Vec<PostRow> = posts_with_authors!()
        .filter(group_posts::id.eq_any(ids.iter().map(ToString::to_string)))
        .select(post_columns!())
        .load(c)?;
    rows.into_iter().map(post).collect()
}

/// Where a page continues: after this post's time and id.
pub type PostPosition = (DateTime<Utc>, PostId);

/// Who reads a conversation: hidden posts are shown to the group's moderators, and to a
/// member only where they wrote them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// A facilitator or owner of the group, or a platform admin.
    Moderator,
    /// Any other member.
    Member(AccountId),
}

/// A group's posts (not replies), newest first, after `after`; a deleted one only while
/// replies stand under it.
pub fn of_group(
    c: &mut DbConnection,
    group: GroupId,
    reader: Reader,
    after: Option<PostPosition>,
    limit: i64,
) -> Result<Vec<Post>, PersistenceError> {
    page(c, Thread::Posts(group), reader, after, limit)
}

/// A post's replies that stand (a deleted reply has nothing left to show), oldest first,
/// after `after`.
pub fn replies(
    c: &mut DbConnection,
    parent: PostId,
    reader: Reader,
    after: Option<PostPosition>,
    limit: i64,
) -> Result<Vec<Post>, PersistenceError> {
    page(c, Thread::Replies(parent), reader, after, limit)
}

/// What a page lists: a group's posts, newest first, or a post's replies, oldest first.
enum Thread {
    Posts(GroupId),
    Replies(PostId),
}

fn page(
    c: &mut DbConnection,
    thread: Thread,
    reader: Reader,
    after: Option<PostPosition>,
    limit: i64,
) -> Result<Vec<Post>, PersistenceError> {
    let mut query = posts_with_authors!()
        .limit(limit)
        .select(post_columns!())
        .into_boxed();
    let newest_first = matches!(thread, Thread::Posts(_));
    query = match thread {
        Thread::Posts(group) => query
            .filter(group_posts::group_id.eq(group.to_string()))
            .filter(group_posts::parent_id.is_null())
            .filter(
                group_posts::deleted_at
                    .is_null()
                    .or(group_posts::reply_count.gt(0)),
            )
            .order((group_posts::created_at.desc(), group_posts::id.desc())),
        Thread::Replies(parent) => query
            .filter(group_posts::parent_id.eq(parent.to_string()))
            .filter(group_posts::deleted_at.is_null())
            .order((group_posts::created_at.asc(), group_posts::id.asc())),
    };
    if let Reader::Member(member) = reader {
        query = query.filter(
            group_posts::hidden_at
                .is_null()
                .or(group_posts::author_id.eq(member.to_string())),
        );
    }
    if let Some((at, id)) = after {
        let (at, id) = (to_db(at), id.to_string());
        query = if newest_first {
            query.filter(
                group_posts::created_at
                    .lt(at)
                    .or(group_posts::created_at.eq(at).and(group_posts::id.lt(id))),
            )
        } else {
            query.filter(
                group_posts::created_at
                    .gt(at)
                    .or(group_posts::created_at.eq(at).and(group_posts::id.gt(id))),
            )
        };
    }
    let rows: Vec<PostRow> = query.load(c)?;
    rows.into_iter().map(post).collect()
}

/// Everything the account wrote, newest first, deleted posts included (without bodies).
pub fn by_author(c: &mut DbConnection, author: AccountId) -> Result<Vec<Post>, PersistenceError> {
    let rows: Vec<PostRow> = posts_with_authors!()
        .filter(group_posts::author_id.eq(author.to_string()))
        .order((group_posts::created_at.desc(), group_posts::id.desc()))
        .select(post_columns!())
        .load(c)?;
    rows.into_iter().map(post).collect()
}

/// Replaces a standing, visible post's body; answers whether it still stood so (a deletion,
/// erasure or hiding that committed meanwhile wins).
pub fn edit(
    c: &mut DbConnection,
    id: PostId,
    body: &str,
    at: DateTime<Utc>,
) -> Result<bool, PersistenceError> {
    let edited = diesel::update(
        group_posts::table
            .find(id.to_string())
            .filter(group_posts::deleted_at.is_null())
            .filter(group_posts::hidden_at.is_null()),
    )
    .set((
        group_posts::body.eq(body),
        group_posts::edited_at.eq(to_db(at)),
    ))
    .execute(c)?;
    Ok(edited == 1)
}

/// Hides a post from its group's members (`Some`), or shows it again (`None`). A standing
/// reply counts on its post only while members see it.
pub fn set_hidden(
    c: &mut DbConnection,
    post: &Post,
    hidden_at: Option<DateTime<Utc>>,
) -> Result<(), PersistenceError> {
    let changed = diesel::update(
        group_posts::table
            .find(post.id.to_string())
            .filter(group_posts::deleted_at.is_null()),
    )
    .set(group_posts::hidden_at.eq(hidden_at.map(to_db)))
    .execute(c)?;
    if let (1, Some(parent)) = (changed, post.parent) {
        let change = if hidden_at.is_some() { -1 } else { 1 };
        diesel::update(group_posts::table.find(parent.to_string()))
            .set(group_posts::reply_count.eq(group_posts::reply_count + change))
            .execute(c)?;
    }
    Ok(())
}

/// Leaves a tombstone of a standing post: no body. (The author stays on record, unseen, for
/// the rate limit.) A reply no longer counts on its post.
pub fn delete(
    c: &mut DbConnection,
    post: &Post,
    at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    let deleted = diesel::update(
        group_posts::table
            .find(post.id.to_string())
            .filter(group_posts::deleted_at.is_null()),
    )
    .set((
        group_posts::body.eq(None::<String>),
        group_posts::deleted_at.eq(to_db(at)),
    ))
    .execute(c)?;
    if let (1, Some(parent), None) = (deleted, post.parent, post.hidden_at) {
        uncount_replies(c, &parent.to_string(), 1)?;
    }
    Ok(())
}

/// Tombstones everything the account wrote and forgets who wrote it, with the account's
/// erasure; its replies no longer count on their posts.
pub fn erase_all_of(
    c: &mut DbConnection,
    author: AccountId,
    at: DateTime<Utc>,
) -> Result<(), PersistenceError> {
    let key = author.to_string();
    let standing_replies: Vec<Option<String>> = group_posts::table
        .filter(group_posts::author_id.eq(&key))
        .filter(group_posts::deleted_at.is_null())
        .filter(group_posts::hidden_at.is_null())
        .filter(group_posts::parent_id.is_not_null())
        .select(group_posts::parent_id)
        .load(c)?;
    let mut per_post: std::collections::BTreeMap<String, i32> = std::collections::BTreeMap::new();
    for parent in standing_replies.into_iter().flatten() {
        *per_post.entry(parent).or_default() += 1;
    }
    for (parent, replies) in per_post {
        uncount_replies(c, &parent, replies)?;
    }
    diesel::update(group_posts::table.filter(group_posts::author_id.eq(&key)))
        .set((
            group_posts::body.eq(None::<String>),
            group_posts::author_id.eq(None::<String>),
            group_posts::deleted_at.eq(to_db(at)),
        ))
        .execute(c)?;
    Ok(())
}

fn uncount_replies(c: &mut DbConnection, post: &str, replies: i32) -> Result<(), PersistenceError> {
    diesel::update(group_posts::table.find(post))
        .set(group_posts::reply_count.eq(group_posts::reply_count - replies))
        .execute(c)?;
    Ok(())
}

/// How many posts and replies the author wrote since `since`, and the first of them.
pub fn written_since(
    c: &mut DbConnection,
    author: AccountId,
    since: DateTime<Utc>,
) -> Result<(u32, Option<DateTime<Utc>>), PersistenceError> {
    let (count, first): (i64, Option<NaiveDateTime>) = group_posts::table
        .filter(group_posts::author_id.eq(author.to_string()))
        .filter(group_posts::created_at.gt(to_db(since)))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(group_posts::created_at),
        ))
        .first(c)?;
    Ok((u32::try_from(count).unwrap_or(u32::MAX), first.map(from_db)))
}
