DROP TABLE linked_members;
