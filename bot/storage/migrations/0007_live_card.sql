-- The message that shows a person's current statement with its buttons: the one card that is
-- live. When another card takes its place, the bot takes the buttons off this one.
ALTER TABLE progress ADD COLUMN card_message_id INTEGER;
