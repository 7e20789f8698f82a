"""Ideas: boards, ideas, clusters, the clustering suggestions and delegates' theme suggestions."""
