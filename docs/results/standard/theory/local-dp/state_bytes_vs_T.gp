# DP by construction: state vs length — data in state_bytes_vs_T.csv
set datafile separator ','
set title 'DP by construction: state vs length'
set xlabel 'sequence length T (tokens)'
set ylabel 'state (bytes)'
set key bottom right box opaque
set grid
set logscale x
set logscale y
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'state_bytes_vs_T.png'
plot 'state_bytes_vs_T.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'SSM ring (m = 6), live state', \
     'state_bytes_vs_T.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'pointer_dp: smallest exact ring of slots', \
     'state_bytes_vs_T.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'pointer_dp: smallest exact d_state layout', \
     'state_bytes_vs_T.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with linespoints lw 2 title 'conv-window baseline (K = 12), live state', \
     'state_bytes_vs_T.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with linespoints lw 2 title 'conv-window baseline, prefix: smallest exact state'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'state_bytes_vs_T.svg'
plot 'state_bytes_vs_T.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'SSM ring (m = 6), live state', \
     'state_bytes_vs_T.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'pointer_dp: smallest exact ring of slots', \
     'state_bytes_vs_T.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'pointer_dp: smallest exact d_state layout', \
     'state_bytes_vs_T.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with linespoints lw 2 title 'conv-window baseline (K = 12), live state', \
     'state_bytes_vs_T.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with linespoints lw 2 title 'conv-window baseline, prefix: smallest exact state'
unset output
