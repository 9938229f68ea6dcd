"""Page files (PAGE-XML, ALTO): parse them, find their scans, cut their regions, write readings back."""
