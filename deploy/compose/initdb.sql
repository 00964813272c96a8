-- Run once by the postgres image on an empty volume: one server, one database per service.
CREATE DATABASE auth;
CREATE DATABASE chat;
