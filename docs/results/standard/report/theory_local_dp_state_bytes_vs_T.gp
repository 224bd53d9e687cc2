# DP by construction: state vs length — data in theory_local_dp_state_bytes_vs_T.csv
set datafile separator ','
set title 'DP by construction: state vs length'
set xlabel 'sequence length T (tokens)'
set ylabel 'state (bytes)'
set key bottom right box opaque
set grid
set logscale x
set logscale y
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'theory_local_dp_state_bytes_vs_T.png'
plot 'theory_local_dp_state_bytes_vs_T.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'SSM ring (m = 6), live state', \
     'theory_local_dp_state_bytes_vs_T.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'pointer_dp: smallest exact ring of slots', \
     'theory_local_dp_state_bytes_vs_T.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'pointer_dp: smallest exact d_state layout', \
     'theory_local_dp_state_bytes_vs_T.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with linespoints lw 2 title 'conv-window baseline (K = 12), live state', \
     'theory_local_dp_state_bytes_vs_T.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with linespoints lw 2 title 'conv-window baseline, prefix: smallest exact state'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'theory_local_dp_state_bytes_vs_T.svg'
plot 'theory_local_dp_state_bytes_vs_T.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'SSM ring (m = 6), live state', \
     'theory_local_dp_state_bytes_vs_T.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'pointer_dp: smallest exact ring of slots', \
     'theory_local_dp_state_bytes_vs_T.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'pointer_dp: smallest exact d_state layout', \
     'theory_local_dp_state_bytes_vs_T.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with linespoints lw 2 title 'conv-window baseline (K = 12), live state', \
     'theory_local_dp_state_bytes_vs_T.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with linespoints lw 2 title 'conv-window baseline, prefix: smallest exact state'
unset output
