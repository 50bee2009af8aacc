// Shared libcurl plumbing for the ftp, http and email transports (issue 4).
#pragma once
