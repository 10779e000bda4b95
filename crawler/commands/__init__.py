"""Scrapy commands of the project (COMMANDS_MODULE): they stand in for Scrapy's own of the same name."""
